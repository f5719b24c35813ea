"""Properties of the window arithmetic, over any range, watermark and completion order."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from phc_analytics.ingestion.windows import (
    ONE_SECOND,
    SyncRequest,
    read_range,
    split_windows,
    watermark_after,
)

# Shop cursors: whole seconds, from the epoch baseline to well past any real shop.
instants = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
spans = st.integers(min_value=0, max_value=4 * 365 * 86_400).map(lambda s: timedelta(seconds=s))


@given(low=instants, span=spans, max_windows=st.integers(1, 64))
def test_windows_tile_the_range_at_midnights_within_the_budget(low, span, max_windows):
    high = low + span
    windows = split_windows(low, high, max_windows)
    assert windows[0][0] == low and windows[-1][1] == high
    assert len(windows) <= max_windows
    assert all(start <= end for start, end in windows)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end + ONE_SECOND  # no gap, no overlap at one-second resolution
        assert start.time() == datetime.min.time()


@given(low=instants, gap=st.integers(1, 10**6), max_windows=st.integers(1, 64))
def test_an_empty_range_has_no_window(low, gap, max_windows):
    assert split_windows(low, low - timedelta(seconds=gap), max_windows) == []


@given(
    watermark=instants,
    shop_max=st.none() | instants,
    start=instants,
    days=st.integers(1, 400),
    latest=st.booleans(),
    from_watermark=st.booleans(),
)
def test_read_range_never_passes_the_shops_newest_value(
    watermark, shop_max, start, days, latest, from_watermark
):
    start = start.replace(hour=0, minute=0, second=0)
    end = start + timedelta(days=days)
    request = SyncRequest(start, end, latest=latest, from_watermark=from_watermark)
    got = read_range(request, watermark, shop_max)
    if got is None:
        return
    low, high = got
    assert low <= high <= shop_max
    if latest:
        # The frequent run reads from the watermark; a backfill reaching today starts at its
        # first day, or earlier if the watermark is behind it.
        assert low == (watermark if from_watermark else min(start, watermark))
        assert high == shop_max
    else:
        assert low == start and high < end  # whole days: [start, end - 1 s]


@st.composite
def syncs(draw):
    """A sync as sync_entity runs it: windows from the watermark to the shop's newest value,
    finishing in any order, and the shop's records in that range."""
    watermark = draw(instants)
    high = watermark + draw(spans)
    windows = split_windows(watermark, high, draw(st.integers(1, 16)))
    order = draw(st.permutations(range(len(windows))))
    records = draw(st.lists(st.integers(0, int((high - watermark).total_seconds())), max_size=30))
    return watermark, windows, order, [watermark + timedelta(seconds=s) for s in records]


@given(syncs())
def test_the_watermark_never_passes_a_record_that_is_not_committed(sync):
    watermark, windows, order, records = sync
    committed: set[int] = set()
    done = [False] * len(windows)
    prefix, current = 0, watermark
    for index in order:
        done[index] = True
        committed.add(index)
        before = prefix
        while prefix < len(windows) and done[prefix]:
            prefix += 1
        advance = watermark_after(windows, prefix, watermark) if prefix > before else None
        if advance is not None:
            assert advance > current  # it only ever moves forward
            current = advance
        for cursor in records:
            # At or below the starting watermark: in raw already (what the watermark means);
            # the first window reads that second again, but the guarantee does not wait for it.
            if watermark < cursor <= current:
                inside = [i for i, (s, e) in enumerate(windows) if s <= cursor <= e]
                assert inside and all(i in committed for i in inside), (cursor, current)
    assert current == windows[-1][1]  # every window committed: the watermark reaches the top


@given(watermark=instants, gap=st.integers(2, 10**6), span=spans)
def test_a_gap_after_the_watermark_is_never_skipped(watermark, gap, span):
    start = watermark + timedelta(seconds=gap)
    windows = split_windows(start, start + span, 4)
    assume(windows)
    assert all(watermark_after(windows, n, watermark) is None for n in range(len(windows) + 1))
