"""Which cursor range a sync reads, and how it is cut into windows. Pure functions.

Cursor values are shop-local timestamps with one-second resolution, and PrestaShop's range
filter is inclusive at both ends, so windows are ``[start, end]`` with the next one starting
one second later, and a read from the watermark starts *at* the watermark: the records of that
second are read again and the idempotent write absorbs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

ONE_SECOND = timedelta(seconds=1)
Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class SyncRequest:
    """What a run asks for.

    ``range_start``/``range_end`` come from the partitions being materialized. ``latest`` means
    the range includes today's partition: the read ends at the shop's newest cursor value.
    ``from_watermark`` means the run is for today's partition alone: the read starts at the
    watermark, so the frequent sync asks only for what changed. A wider range (a backfill)
    starts at its first day, or at the watermark if that is earlier.
    """

    range_start: datetime | None
    range_end: datetime | None
    latest: bool
    from_watermark: bool = False

    @classmethod
    def everything(cls) -> SyncRequest:
        return cls(range_start=None, range_end=None, latest=True, from_watermark=True)


def read_range(
    request: SyncRequest, watermark: datetime, shop_max: datetime | None
) -> Window | None:
    """The inclusive cursor range to read, or None when there is nothing to read.

    The upper end never passes ``shop_max``, the newest cursor value when the sync started:
    a record changed during the sync gets a later value and is read by the next sync.
    """
    if shop_max is None:
        return None
    if request.latest:
        if request.from_watermark or request.range_start is None:
            low = watermark
        else:
            low = min(request.range_start, watermark)
        high = shop_max
    else:
        if request.range_start is None or request.range_end is None:
            raise ValueError("a historical read needs both ends of its range")
        low, high = request.range_start, min(request.range_end - ONE_SECOND, shop_max)
    return (low, high) if high >= low else None


def split_windows(low: datetime, high: datetime, max_windows: int) -> list[Window]:
    """Contiguous windows covering ``[low, high]``, cut at midnights, at most ``max_windows``."""
    if high < low:
        return []
    first_midnight = datetime.combine(low.date(), datetime.min.time())
    span_days = (high.date() - low.date()).days + 1
    step_days = max(1, math.ceil(span_days / max(1, max_windows)))
    windows: list[Window] = []
    start = low
    boundary = first_midnight + timedelta(days=step_days)
    while boundary <= high:
        windows.append((start, boundary - ONE_SECOND))
        start = boundary
        boundary += timedelta(days=step_days)
    windows.append((start, high))
    return windows


def watermark_after(windows: list[Window], completed: int, watermark: datetime) -> datetime | None:
    """The new watermark once the first ``completed`` windows are fully committed, or None.

    Everything at or below the watermark is in raw. Covering windows extend that guarantee only
    if they start at or before the next second after it: otherwise a gap would be skipped.
    """
    if completed <= 0 or not windows:
        return None
    if windows[0][0] > watermark + ONE_SECOND:
        return None
    new = windows[completed - 1][1]
    return new if new > watermark else None
