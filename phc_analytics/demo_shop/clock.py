"""Shop-local wall-clock time as integer seconds, formatted the way MySQL DATETIME prints.

PrestaShop stores naive local datetimes (``PS_TIMEZONE``); the demo shop does the same and
ignores DST, like a MySQL DATETIME column does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

EPOCH = datetime(2000, 1, 1)
DAY = 86400
HOUR = 3600
ZERO_DATETIME = "0000-00-00 00:00:00"
ZERO_DATE = "0000-00-00"

_day_cache: dict[int, str] = {}


def day_str(day: int) -> str:
    s = _day_cache.get(day)
    if s is None:
        s = _day_cache[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    return s


_HOUR_MINUTE = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60))  # "HH:MM:"
_SECOND = tuple(f"{s:02d}" for s in range(60))


def fmt(seconds: int) -> str:
    """``YYYY-MM-DD HH:MM:SS``; called millions of times by the generator, hence the tables."""
    day, rest = divmod(seconds, DAY)
    minute, second = divmod(rest, 60)
    date = _day_cache.get(day)
    if date is None:
        date = day_str(day)
    return f"{date} {_HOUR_MINUTE[minute]}{_SECOND[second]}"


def parse(text: str) -> int:
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    return int((dt - EPOCH).total_seconds())


def from_datetime(dt: datetime) -> int:
    return int((dt.replace(tzinfo=None, microsecond=0) - EPOCH).total_seconds())


def today_midnight() -> datetime:
    now = datetime.now()
    return datetime(now.year, now.month, now.day)
