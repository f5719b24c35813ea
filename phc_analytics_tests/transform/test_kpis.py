"""The marts against KPIs computed independently in Python from the shop's own data.

The warehouse is the session's built one (support/built_warehouse.py): a generated demo shop
with the odd values real shops serve (every order state incl. both backorders, zero dates,
impossible dates, one-language names, unreadable prices), synced over HTTP; its KPIs are
computed from the records the shop itself serves (shop_reader)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform import kpis

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

CENT = Decimal("0.005")


@pytest.fixture(scope="module")
def orders(built_warehouse: BuiltWarehouse) -> list[kpis.KpiOrder]:
    return built_warehouse.shop.orders


@pytest.fixture(scope="module")
def conn(built_warehouse: BuiltWarehouse):
    with psycopg.connect(built_warehouse.url) as connection:
        yield connection


def assert_cents(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    off = {k: (actual[k], expected[k]) for k in expected if abs(actual[k] - expected[k]) > CENT}
    assert off == {}


def test_revenue_by_month(conn, orders):
    expected = kpis.revenue_by_month(orders)
    assert len(expected) >= 12  # the shop spans more than a year: MoM and YoY have data
    monthly = dict(
        conn.execute(
            "SELECT month_start, sum(net_revenue) FROM analytics.agg_sales_monthly GROUP BY 1"
        ).fetchall()
    )
    daily = dict(
        conn.execute(
            """SELECT date_trunc('month', date_day)::date, sum(net_revenue)
               FROM analytics.agg_sales_daily GROUP BY 1 HAVING sum(net_revenue) <> 0"""
        ).fetchall()
    )
    assert_cents(monthly, expected)
    assert_cents(daily, expected)


def test_year_over_year_and_month_to_date(conn, orders):
    """YTD / MTD / YoY read from the daily mart match sums over the Python orders."""
    revenue = kpis.revenue_by_month(orders)
    day = date(2025, 2, 20)
    row = conn.execute(
        """SELECT sum(net_revenue_ytd), sum(net_revenue_ytd_prior_year), sum(net_revenue_mtd)
           FROM analytics.agg_sales_daily WHERE date_day = %s""",
        (day,),
    ).fetchone()
    valid = [o for o in orders if o.is_valid]
    ytd = sum((o.net_revenue for o in valid if date(2025, 1, 1) <= o.created <= day), Decimal(0))
    prior = sum(
        (o.net_revenue for o in valid if date(2024, 1, 1) <= o.created <= date(2024, 2, 20)),
        Decimal(0),
    )
    mtd = sum((o.net_revenue for o in valid if date(2025, 2, 1) <= o.created <= day), Decimal(0))
    assert abs(row[0] - ytd) <= CENT
    assert abs(row[1] - prior) <= CENT
    assert abs(row[2] - mtd) <= CENT
    assert revenue[date(2025, 2, 1)] > 0


def test_orders_by_status(conn, orders):
    expected = kpis.orders_by_status(orders)
    assert {"delivered", "cancelled", "refunded", "payment_error", "backorder"} <= expected.keys()
    actual = dict(
        conn.execute(
            "SELECT status_group, count(*) FROM analytics.fct_orders GROUP BY 1"
        ).fetchall()
    )
    assert actual == expected


def test_top_products(conn, orders):
    overall = kpis.product_revenue(orders)
    actual = dict(
        conn.execute(
            "SELECT product_id, sum(net_revenue) FROM analytics.agg_product_performance GROUP BY 1"
        ).fetchall()
    )
    assert_cents(actual, overall)
    assert [
        p for p, _ in sorted(actual.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    ] == kpis.top_products(overall, 5)
    # The month with the most products sold: the top-10 flag marks Python's ten best.
    month, _ = conn.execute(
        """SELECT month_start, count(*) FROM analytics.agg_product_performance
           GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"""
    ).fetchone()
    flagged = {
        p
        for (p,) in conn.execute(
            "SELECT product_id FROM analytics.agg_product_performance WHERE month_start = %s AND is_top10",  # noqa: E501
            (month,),
        ).fetchall()
    }
    assert flagged == set(kpis.top_products(kpis.product_revenue(orders, month), 10))


def test_new_versus_returning_customers(conn, orders):
    expected = kpis.new_vs_returning(orders)
    actual = dict(
        conn.execute(
            "SELECT order_id, new_vs_returning FROM analytics.fct_orders WHERE is_valid"
        ).fetchall()
    )
    assert actual == expected
    assert set(expected.values()) == {"new", "returning"}


def test_one_cohort_cell(conn, orders):
    # The largest cohort, two months after its first month.
    cohort, size = conn.execute(
        """SELECT cohort_month, cohort_size FROM analytics.cohort_retention
           WHERE cohort_month_number = 1 ORDER BY cohort_size DESC, cohort_month LIMIT 1"""
    ).fetchone()
    expected_size, expected_retained = kpis.cohort_cell(orders, cohort, 3)
    retained, rate = conn.execute(
        """SELECT retained_customers, retention_rate FROM analytics.cohort_retention
           WHERE cohort_month = %s AND cohort_month_number = 3""",
        (cohort,),
    ).fetchone()
    assert (size, retained) == (expected_size, expected_retained)
    assert abs(rate - Decimal(expected_retained) / Decimal(expected_size)) < Decimal("1e-12")
    assert expected_retained > 0  # a cell that can be wrong in both directions


def test_rfm_scores(conn, orders):
    expected = kpis.rfm_scores(orders)
    actual = {
        c: (r, f, m)
        for c, r, f, m in conn.execute(
            "SELECT customer_id, recency_score, frequency_score, monetary_score FROM analytics.customer_rfm"  # noqa: E501
        ).fetchall()
    }
    # One score checked in detail (the most frequent buyer), then all of them.
    best = max(expected, key=lambda c: (expected[c][1], c))
    assert actual[best] == expected[best]
    assert actual == expected
    assert len({s for s in expected.values()}) > 3  # the scores actually discriminate


def test_rfm_segment_summary(conn, orders):
    expected = kpis.rfm_segment_sizes(orders)
    rows = conn.execute(
        "SELECT rfm_segment, customers, customer_share FROM analytics.agg_rfm_segments"
    ).fetchall()
    assert {segment: customers for segment, customers, _ in rows} == expected
    assert abs(sum(share for *_, share in rows) - 1) < Decimal("1e-9")
    assert len(expected) > 2  # several segments, so a wrong rule shows


def test_orders_per_month_counted_once_and_the_per_category_count_says_so(conn, orders):
    """agg_orders_monthly counts each valid order once; agg_sales_monthly's count is per category
    (named orders_with_category), so its sum over categories exceeds the true count."""
    expected: dict[date, int] = {}
    for o in orders:
        if o.is_valid:
            expected[kpis.month_of(o.created)] = expected.get(kpis.month_of(o.created), 0) + 1
    true_count = dict(
        conn.execute(
            "SELECT month_start, sum(orders)::int FROM analytics.agg_orders_monthly"
            " GROUP BY 1 HAVING sum(orders) > 0"
        ).fetchall()
    )
    assert true_count == expected
    per_category = dict(
        conn.execute(
            "SELECT month_start, sum(orders_with_category)::int FROM analytics.agg_sales_monthly"
            " GROUP BY 1"
        ).fetchall()
    )
    assert all(per_category[m] >= n for m, n in expected.items())
    assert sum(per_category.values()) > sum(expected.values())  # multi-category orders exist
    # Each row's AOV is its revenue over its orders (never a sum of the daily AOVs).
    rows = conn.execute(
        "SELECT net_revenue, orders, average_order_value FROM analytics.agg_orders_monthly"
    ).fetchall()
    assert all(
        (aov is None) if not n else abs(aov - revenue / n) < Decimal("1e-9")
        for revenue, n, aov in rows
    )
    assert sum(n for _, n, _ in rows) == sum(expected.values())


AGGREGATES_WITH_MONEY = (
    "agg_category_sales", "agg_orders_monthly", "agg_payments_daily", "agg_product_performance",
    "agg_refunds_daily", "agg_rfm_segments", "agg_sales_daily", "agg_sales_monthly",
    "agg_voucher_use_monthly", "cohort_retention", "sales_anomalies",
)  # fmt: skip


def test_every_aggregate_with_money_says_its_currency(conn, built_warehouse: BuiltWarehouse):
    """The currency column is the shop's default currency, as the shop's own file holds it."""
    with closing(sqlite3.connect(f"file:{built_warehouse.shop_path}?mode=ro", uri=True)) as shop:
        configurations = [json.loads(j) for (j,) in shop.execute("SELECT json FROM configurations")]
        currencies = {
            int(c["id"]): c["iso_code"]
            for c in (json.loads(j) for (j,) in shop.execute("SELECT json FROM currencies"))
        }
    default_id = next(int(c["value"]) for c in configurations if c["name"] == "PS_CURRENCY_DEFAULT")
    expected = currencies[default_id].upper()
    for mart in AGGREGATES_WITH_MONEY:
        seen = conn.execute(f"SELECT DISTINCT currency FROM analytics.{mart}").fetchall()
        assert seen == [(expected,)], mart
