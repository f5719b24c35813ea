"""The filters every page applies, kept in the page's URL (``?start=...&country=...``), so a
view can be bookmarked or shared and a test can open it directly.

A warehouse may hold several PrestaShop installations (shops), whose ids repeat: country 8 of
one is not country 8 of another. So a country is chosen by its ISO code, the same in every
shop, and a channel (an installation's own '<store>:<module>') as '<shop>/<key>' once there
are several shops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from phc_analytics.dashboard.periods import Period

DEFAULT_DAYS = 90
# The country of the orders without a delivery country (dim_geography's -1, which has no ISO
# code); an ISO code is upper-case, so it never reads so.
UNKNOWN_COUNTRY = "unknown"
ISO_CODE = re.compile(r"[A-Za-z]{2,3}")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    countries: tuple[str, ...] = ()  # ISO codes, or UNKNOWN_COUNTRY; empty: every country
    channels: tuple[str, ...] = ()  # empty: every channel
    shops: tuple[str, ...] = ()  # empty: every shop

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def sql_params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "countries": list(self.countries),
            "channels": list(self.channels),
            "shops": list(self.shops),
        }

    def to_query_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.countries:
            params["country"] = list(self.countries)
        if self.channels:
            params["channel"] = list(self.channels)
        if self.shops:
            params["shop"] = list(self.shops)
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


def _country(text: str) -> str | None:
    if text == UNKNOWN_COUNTRY:
        return text
    return text.upper() if ISO_CODE.fullmatch(text) else None


def from_query_params(params: Mapping, first_day: date, last_day: date) -> Filters:
    """The filters a URL asks for, within the days that have data (``first_day`` ..
    ``last_day``). Missing or unreadable values fall back to the last DEFAULT_DAYS days; a range
    given backwards is put right; countries that are not ISO codes are dropped."""
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
    countries = tuple(sorted({c for c in map(_country, _values(params, "country")) if c}))
    channels = tuple(sorted(set(_values(params, "channel"))))
    shops = tuple(sorted(set(_values(params, "shop"))))
    return Filters(start, end, countries, channels, shops)
