"""The dashboard's queries against the marts and facts of the session's built warehouse, read
as phc_bi, where the browser test cannot look closely: the recomputed cohorts, the rankings,
the channel filter, and the refusal to serve as a role that can write."""

from __future__ import annotations

import json
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
    countries = tuple(queries.countries(bi)["country"])
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


# From the lines alone: what product_ranking must give, whatever months it reads from the marts.
# The filter chooses countries by ISO code (the same in every shop; country ids are a shop's own).
CHOSEN_COUNTRIES = """(cardinality(%(countries)s::text[]) = 0
       OR (l.country_id, l.shop) IN (SELECT country_id, shop FROM analytics.dim_geography
                                     WHERE coalesce(iso_code, 'unknown') = ANY(%(countries)s)))"""
PRODUCTS_FROM_LINES = f"""
    SELECT product_id, sum(quantity), round(sum(net_line_revenue), 2), round(sum(line_margin), 2)
      FROM analytics.fct_order_lines AS l
     WHERE is_valid AND order_date BETWEEN %(start)s AND %(end)s AND {CHOSEN_COUNTRIES}
     GROUP BY 1"""
CATEGORIES_FROM_LINES = f"""
    SELECT coalesce(p.category_name, 'unknown'), round(sum(l.net_line_revenue), 2),
           round(sum(l.line_margin), 2), count(DISTINCT l.order_id)
      FROM analytics.fct_order_lines AS l
      LEFT JOIN (SELECT DISTINCT category_id, category_name FROM analytics.dim_product) AS p
           USING (category_id)
     WHERE l.is_valid AND l.order_date BETWEEN %(start)s AND %(end)s AND {CHOSEN_COUNTRIES}
     GROUP BY 1"""


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2025, 1, 15), date(2025, 4, 10)),  # two whole months from the marts, two edges
        (date(2024, 11, 1), date(2025, 1, 31)),  # whole months only
        (date(2025, 2, 3), date(2025, 2, 20)),  # within one month: the lines only
    ],
)
def test_product_and_category_rankings_equal_the_lines(bi, admin, start, end):
    """Whatever part of the range the monthly marts answer for, every product's and category's
    figures are the lines' own, and the rankings are in order."""
    filters = Filters(start, end)
    ranking = queries.product_ranking(bi, filters, limit=100_000)
    expected = {row[0]: row[1:] for row in admin.execute(PRODUCTS_FROM_LINES, filters.sql_params())}
    products = ranking.products_by_revenue
    assert len(products) == len(expected) > 10  # every product sold in the range, once
    for row in products.itertuples():
        assert (row.quantity, row.net_revenue, row.margin) == expected[row.product_id]
    assert list(products.net_revenue) == sorted(products.net_revenue, reverse=True)
    margins = list(ranking.products_by_margin.margin)
    assert margins == sorted(margins, reverse=True) and None not in margins
    assert margins[0] == max(m for *_, m in expected.values() if m is not None)

    categories = {
        row[0]: row[1:] for row in admin.execute(CATEGORIES_FROM_LINES, filters.sql_params())
    }
    by_revenue = ranking.categories_by_revenue
    assert len(by_revenue) == len(categories) > 3
    for row in by_revenue.itertuples():
        assert (row.net_revenue, row.margin, row.orders) == categories[row.category], row.category
    assert list(by_revenue.net_revenue) == sorted(by_revenue.net_revenue, reverse=True)
    assert ranking.categories_by_margin.margin.iloc[0] == max(by_revenue.margin.dropna())


def test_a_country_s_ranking_reads_that_country_s_lines(bi, admin):
    country = queries.countries(bi)["country"].iloc[0]
    filters = Filters(date(2024, 10, 15), date(2025, 3, 20), (country,))
    ranking = queries.product_ranking(bi, filters, limit=5)
    expected = {row[0]: row[1:] for row in admin.execute(PRODUCTS_FROM_LINES, filters.sql_params())}
    top = sorted(expected.items(), key=lambda item: (-item[1][1], item[0]))[:5]
    assert list(ranking.products_by_revenue.product_id) == [product for product, _ in top]
    everywhere = queries.product_ranking(bi, Filters(filters.start, filters.end), limit=5)
    assert (
        ranking.products_by_revenue.net_revenue.iloc[0]
        < everywhere.products_by_revenue.net_revenue.iloc[0]
    )


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


class Recording:
    """A connection that keeps the statements run through it, to EXPLAIN them after."""

    def __init__(self, conn: psycopg.Connection):
        self.conn, self.statements = conn, []

    def execute(self, sql, params=None):
        self.statements.append((sql, params))
        return self.conn.execute(sql, params)


def test_top_customers_reads_the_lifetime_value_index_not_every_customer(bi):
    """Ordered by the column (not the rounded output of the same name), ten index entries are
    read backwards instead of every customer hashed and sorted (0.23 s at 1M orders)."""
    recording = Recording(bi)
    top = queries.top_customers(recording, WHOLE)
    assert len(top) == 10
    assert list(top.lifetime_value) == sorted(top.lifetime_value, reverse=True)
    sql, params = recording.statements[-1]
    plan = json.dumps(bi.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0])
    assert '"Scan Direction": "Backward"' in plan and '"Seq Scan"' not in plan, plan
