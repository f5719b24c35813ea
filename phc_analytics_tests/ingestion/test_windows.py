import itertools
from datetime import datetime, timedelta

import pytest

from phc_analytics.ingestion.windows import (
    ONE_SECOND,
    SyncRequest,
    read_range,
    split_windows,
    watermark_after,
)

D = datetime


def test_latest_partition_reads_from_the_watermark_to_the_shops_newest_value():
    request = SyncRequest(D(2026, 11, 23), D(2026, 11, 24), latest=True, from_watermark=True)
    assert read_range(request, D(2026, 11, 22, 18), D(2026, 11, 23, 9)) == (
        D(2026, 11, 22, 18),
        D(2026, 11, 23, 9),
    )
    # Watermark already inside today: only what changed since.
    assert read_range(request, D(2026, 11, 23, 8), D(2026, 11, 23, 9))[0] == D(2026, 11, 23, 8)


def test_backfill_range_reaching_today_starts_at_the_range_start():
    request = SyncRequest(D(2026, 11, 1), D(2026, 11, 24), latest=True)
    assert read_range(request, D(2026, 11, 20), D(2026, 11, 23, 9))[0] == D(2026, 11, 1)


def test_historical_range_is_whole_days_capped_at_the_shop_max():
    request = SyncRequest(D(2026, 1, 1), D(2026, 1, 4), latest=False)
    assert read_range(request, D(2026, 6, 1), D(2026, 11, 23)) == (
        D(2026, 1, 1),
        D(2026, 1, 3, 23, 59, 59),
    )
    assert read_range(request, D(1970, 1, 1), D(2026, 1, 2, 12)) == (
        D(2026, 1, 1),
        D(2026, 1, 2, 12),
    )


def test_nothing_to_read_on_an_empty_shop_or_a_range_after_it():
    assert read_range(SyncRequest.everything(), D(1970, 1, 1), None) is None
    later = SyncRequest(D(2027, 1, 1), D(2027, 1, 2), latest=False)
    assert read_range(later, D(1970, 1, 1), D(2026, 1, 1)) is None


@pytest.mark.parametrize("max_windows", [1, 3, 16, 1000])
def test_windows_are_contiguous_and_cover_the_range(max_windows):
    low, high = D(2023, 3, 5, 13, 7, 1), D(2026, 11, 23, 9, 0, 0)
    windows = split_windows(low, high, max_windows)
    assert windows[0][0] == low and windows[-1][1] == high
    assert len(windows) <= max_windows + 1
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end + ONE_SECOND
        assert start.time() == D.min.time()  # cut at midnight
    assert all(s <= e for s, e in windows)


def test_a_short_range_is_one_window():
    low = D(2026, 11, 23, 8)
    assert split_windows(low, low + timedelta(hours=1), 16) == [(low, low + timedelta(hours=1))]
    assert split_windows(low, low - ONE_SECOND, 16) == []


def test_watermark_moves_only_over_a_contiguous_committed_prefix():
    windows = [(D(2026, 1, 1), D(2026, 1, 1, 23, 59, 59)), (D(2026, 1, 2), D(2026, 1, 2, 5))]
    assert watermark_after(windows, 0, D(2026, 1, 1)) is None
    assert watermark_after(windows, 1, D(2026, 1, 1)) == D(2026, 1, 1, 23, 59, 59)
    assert watermark_after(windows, 2, D(2026, 1, 1)) == D(2026, 1, 2, 5)
    # A gap between the watermark and the first window: never skip it.
    assert watermark_after(windows, 2, D(2025, 12, 1)) is None
    # Starting one second after the watermark is contiguous.
    assert watermark_after(windows, 1, D(2025, 12, 31, 23, 59, 59)) == D(2026, 1, 1, 23, 59, 59)
    # Never backwards.
    assert watermark_after(windows, 1, D(2026, 5, 1)) is None
