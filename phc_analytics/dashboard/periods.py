"""Calendar arithmetic of the dashboard's comparisons, in one place and without Streamlit.

Every comparison is like for like: month-to-date against the same span of the previous month,
year-to-date against the same span of the previous year, a chosen range against the range of
the same length just before it. A day that does not exist in the earlier month (the 31st, or
February 29th) falls back to that month's last day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period ends on or after its start: {self.start} .. {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def month_to_date(as_of: date) -> Period:
    return Period(as_of.replace(day=1), as_of)


def prior_month_to_date(as_of: date) -> Period:
    """The first days of the previous month, as many as month_to_date has (or the whole month
    when it is shorter)."""
    year, month = (as_of.year - 1, 12) if as_of.month == 1 else (as_of.year, as_of.month - 1)
    return Period(date(year, month, 1), _clamped(year, month, as_of.day))


def year_to_date(as_of: date) -> Period:
    return Period(as_of.replace(month=1, day=1), as_of)


def prior_year_to_date(as_of: date) -> Period:
    year = as_of.year - 1
    return Period(date(year, 1, 1), _clamped(year, as_of.month, as_of.day))


def previous_period(period: Period) -> Period:
    """The period of the same length that ends the day before ``period`` starts."""
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end)


def whole_months(period: Period) -> tuple[list[date], list[Period]]:
    """The calendar months ``period`` covers whole (their first days), and the days at either
    end outside them: a monthly mart answers for the months, the daily rows for the rest. A
    period within one month, or shorter, is all edge."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    after = period.end + timedelta(days=1)
    stop = after if after.day == 1 else period.end.replace(day=1)  # first day not covered whole
    months: list[date] = []
    month = first
    while month < stop:
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [period]
    edges = []
    if period.start < first:
        edges.append(Period(period.start, first - timedelta(days=1)))
    if stop <= period.end:
        edges.append(Period(stop, period.end))
    return months, edges


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Relative change as a fraction (0.1 = +10 %); None when there is nothing to compare with
    (no previous value, or a previous value of zero or below, where a ratio means nothing)."""
    if current is None or previous is None or previous <= 0:
        return None
    return (Decimal(current) - Decimal(previous)) / Decimal(previous)


def average(total: Decimal | None, count: int | None) -> Decimal | None:
    """Average order value: total / count, None without orders."""
    if not count or total is None:
        return None
    return Decimal(total) / count
