"""The filters every page applies, kept in the page's URL (``?start=...&country=...``), so a
view can be bookmarked or shared and a test can open it directly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from phc_analytics.dashboard.periods import Period

DEFAULT_DAYS = 90
# An id as PostgreSQL's int takes it; anything else in the URL is dropped.
COUNTRY_ID = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    countries: tuple[int, ...] = ()  # empty: every country
    channels: tuple[str, ...] = ()  # empty: every channel

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def sql_params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "countries": list(self.countries),
            "channels": list(self.channels),
        }

    def to_query_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.countries:
            params["country"] = [str(c) for c in self.countries]
        if self.channels:
            params["channel"] = list(self.channels)
        return params


def _values(params: Mapping, key: str) -> list[str]:
    value = params.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_query_params(params: Mapping, first_day: date, last_day: date) -> Filters:
    """The filters a URL asks for, within the days that have data (``first_day`` ..
    ``last_day``). Missing or unreadable values fall back to the last DEFAULT_DAYS days; a range
    given backwards is put right; unknown countries (not integers) are dropped."""
    end = _day(next(iter(_values(params, "end")), None)) or last_day
    start = _day(next(iter(_values(params, "start")), None)) or end - timedelta(
        days=DEFAULT_DAYS - 1
    )
    if start > end:
        start, end = end, start
    start, end = max(start, first_day), min(end, last_day)
    if start > end:  # a range wholly outside the data: show the default instead
        end = last_day
        start = max(first_day, end - timedelta(days=DEFAULT_DAYS - 1))
    countries = tuple(
        sorted({int(c) for c in _values(params, "country") if COUNTRY_ID.fullmatch(c)})
    )
    channels = tuple(sorted(set(_values(params, "channel"))))
    return Filters(start, end, countries, channels)
