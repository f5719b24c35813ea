"""The dashboard's like-for-like comparisons (pure calendar arithmetic)."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phc_analytics.dashboard import periods
from phc_analytics.dashboard.periods import Period


def test_month_and_year_to_date_against_the_same_span_before():
    as_of = date(2025, 3, 31)
    assert periods.month_to_date(as_of) == Period(date(2025, 3, 1), as_of)
    # February has no 31st: the whole of February.
    assert periods.prior_month_to_date(as_of) == Period(date(2025, 2, 1), date(2025, 2, 28))
    assert periods.year_to_date(as_of) == Period(date(2025, 1, 1), as_of)
    assert periods.prior_year_to_date(as_of) == Period(date(2024, 1, 1), date(2024, 3, 31))
    # January compares with the December before; a leap day with February 28th.
    assert periods.prior_month_to_date(date(2025, 1, 15)) == Period(
        date(2024, 12, 1), date(2024, 12, 15)
    )
    assert periods.prior_year_to_date(date(2024, 2, 29)) == Period(
        date(2023, 1, 1), date(2023, 2, 28)
    )


def test_previous_period_is_as_long_and_ends_the_day_before():
    chosen = Period(date(2025, 3, 1), date(2025, 3, 31))
    assert periods.previous_period(chosen) == Period(date(2025, 1, 29), date(2025, 2, 28))
    with pytest.raises(ValueError, match="ends on or after its start"):
        Period(date(2025, 3, 2), date(2025, 3, 1))


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)), st.integers(1, 400))
def test_previous_periods_tile_the_calendar(end, days):
    chosen = Period(end - timedelta(days=days - 1), end)
    before = periods.previous_period(chosen)
    assert before.days == chosen.days
    assert before.end + timedelta(days=1) == chosen.start


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
def test_prior_spans_never_longer_and_inside_their_month_or_year(as_of):
    month, prior_month = periods.month_to_date(as_of), periods.prior_month_to_date(as_of)
    assert prior_month.days <= month.days
    assert prior_month.start.day == 1 and prior_month.end.month == prior_month.start.month
    assert prior_month.end < month.start
    year, prior_year = periods.year_to_date(as_of), periods.prior_year_to_date(as_of)
    # The same calendar dates a year earlier: a day longer or shorter across a February 29th.
    assert prior_year.start == date(as_of.year - 1, 1, 1)
    assert prior_year.end.month == as_of.month and abs(prior_year.days - year.days) <= 1


def test_change_and_average_have_no_meaning_without_a_base():
    assert periods.change(Decimal(110), Decimal(100)) == Decimal("0.1")
    assert periods.change(5, 10) == Decimal("-0.5")
    assert periods.change(Decimal(1), Decimal(0)) is None
    assert periods.change(Decimal(1), Decimal(-3)) is None  # a ratio to a loss flips its sign
    assert periods.change(None, Decimal(1)) is None
    assert periods.average(Decimal(100), 4) == Decimal(25)
    assert periods.average(Decimal(100), 0) is None


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)), st.integers(1, 800))
def test_whole_months_and_edges_tile_the_period_without_overlap(end, days):
    chosen = Period(end - timedelta(days=days - 1), end)
    months, edges = periods.whole_months(chosen)
    covered = [d for m in months for d in _days(Period(m, _month_end(m)))]
    covered += [d for e in edges for d in _days(e)]
    assert sorted(covered) == list(_days(chosen))  # every day once
    assert all(m.day == 1 for m in months) and len(edges) <= 2
    # An edge is shorter than a month, and lies in one month; with no whole month, it is all.
    assert all(e.days < 31 and e.start.month == e.end.month for e in edges) or not months
    if not months:
        assert edges == [chosen]


def test_whole_months_of_a_ninety_day_range():
    months, edges = periods.whole_months(Period(date(2026, 8, 3), date(2026, 10, 31)))
    assert months == [date(2026, 9, 1), date(2026, 10, 1)]
    assert edges == [Period(date(2026, 8, 3), date(2026, 8, 31))]
    months, edges = periods.whole_months(Period(date(2025, 12, 15), date(2026, 2, 10)))
    assert months == [date(2026, 1, 1)]
    assert edges == [
        Period(date(2025, 12, 15), date(2025, 12, 31)),
        Period(date(2026, 2, 1), date(2026, 2, 10)),
    ]


def _days(period: Period):
    return (period.start + timedelta(days=i) for i in range(period.days))


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
