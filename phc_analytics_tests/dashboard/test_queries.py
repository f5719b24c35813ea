"""The dashboard's queries against the marts and facts of the session's built warehouse, read
as phc_bi, where the browser test cannot look closely: the recomputed cohorts, the rankings,
the channel filter, and the refusal to serve as a role that can write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.dashboard import queries
from phc_analytics.dashboard.filters import Filters
from phc_analytics.dashboard.periods import Period
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.databases import with_user

pytestmark = pytest.mark.server

WHOLE = Filters(date(2022, 1, 1), date(2025, 6, 1))


@pytest.fixture(scope="module")
def bi(built_warehouse: BuiltWarehouse):
    with psycopg.connect(with_user(built_warehouse.url, "phc_bi"), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def admin(built_warehouse: BuiltWarehouse):
    with psycopg.connect(built_warehouse.url, autocommit=True) as conn:
        yield conn


def test_cohorts_recomputed_for_every_country_equal_the_cohort_mart(bi):
    countries = tuple(queries.countries(bi)["country_id"])
    mart = queries.cohort_retention(bi, WHOLE)
    recomputed = queries.cohort_retention(bi, Filters(WHOLE.start, WHOLE.end, countries))
    assert len(mart) > 50 and len(recomputed) == len(mart)
    for (_, m), (_, r) in zip(mart.iterrows(), recomputed.iterrows(), strict=True):
        assert (m.cohort_month, m.cohort_month_number, m.cohort_size) == (
            r.cohort_month, r.cohort_month_number, r.cohort_size
        )  # fmt: skip
        assert abs(Decimal(m.retention_rate) - Decimal(r.retention_rate)) < Decimal("1e-9")
    # One country's cohorts are smaller, and still start at full retention.
    one = queries.cohort_retention(bi, Filters(WHOLE.start, WHOLE.end, countries[:1]))
    first_months = one[one.cohort_month_number == 1]
    assert (
        0 < first_months.cohort_size.sum() < mart[mart.cohort_month_number == 1].cohort_size.sum()
    )
    assert set(first_months.retention_rate) == {1}


def test_rankings_by_revenue_and_by_margin_from_one_read_of_the_lines(bi, admin):
    period = Filters(date(2025, 1, 1), date(2025, 3, 31))
    sales = queries.product_sales(bi, period)
    params = (period.start, period.end)
    by_product = dict(
        admin.execute(
            """SELECT product_id, round(sum(line_margin), 2) FROM analytics.fct_order_lines
                WHERE is_valid AND order_date BETWEEN %s AND %s GROUP BY 1""",
            params,
        ).fetchall()
    )
    by_margin = queries.rank_products(sales, "margin", limit=3)
    best = max(m for m in by_product.values() if m is not None)
    assert by_margin["margin"].iloc[0] == best
    assert list(by_margin["margin"]) == sorted(by_margin["margin"], reverse=True)
    assert len(sales) == len(by_product)  # every product sold in the range, once
    categories = {
        row[0]: row[1:]
        for row in admin.execute(
            """SELECT coalesce(p.category_name, 'unknown'), round(sum(l.net_line_revenue), 2),
                      count(DISTINCT l.order_id)
                 FROM analytics.fct_order_lines AS l
                 LEFT JOIN (SELECT DISTINCT category_id, category_name
                              FROM analytics.dim_product) AS p USING (category_id)
                WHERE l.is_valid AND l.order_date BETWEEN %s AND %s GROUP BY 1""",
            params,
        ).fetchall()
    }
    by_revenue = queries.rank_categories(sales, "revenue", limit=100)
    assert len(by_revenue) == len(categories) > 3
    for _, row in by_revenue.iterrows():
        assert (row.net_revenue, row.orders) == categories[row.category], row.category
    assert list(by_revenue["net_revenue"]) == sorted(by_revenue["net_revenue"], reverse=True)
    by_cat_margin = queries.rank_categories(sales, "margin")
    assert by_cat_margin["margin"].iloc[0] == max(by_revenue["margin"].dropna())


def test_a_channel_filter_keeps_that_channel_s_orders_only(bi, admin):
    channel = queries.channels(bi)["sales_channel_key"].iloc[0]
    period = Period(date(2024, 1, 1), date(2024, 12, 31))
    revenue, orders = queries.sales_totals(
        bi, Filters(period.start, period.end, (), (channel,)), period
    )
    expected = admin.execute(
        "SELECT sum(net_revenue), count(*) FROM analytics.fct_orders"
        " WHERE is_valid AND order_date BETWEEN %s AND %s AND sales_channel_key = %s",
        (period.start, period.end, channel),
    ).fetchone()
    assert (revenue, orders) == (expected[0], expected[1]) and orders > 0


def test_the_dashboard_refuses_a_role_that_can_write(bi, admin):
    assert queries.read_only_problem(bi) is None
    problem = queries.read_only_problem(admin)
    assert problem is not None and "is a superuser" in problem and "phc_bi" in problem


def test_before_the_first_build_there_are_no_days_and_no_error(migrated_database: str):
    with psycopg.connect(with_user(migrated_database, "phc_bi")) as conn:
        assert queries.data_days(conn) is None  # the app then says: run `make demo` first
        assert queries.read_only_problem(conn) is None
