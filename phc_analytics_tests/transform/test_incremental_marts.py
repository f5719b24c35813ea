"""The incremental fact tables (fct_orders, fct_order_lines) rewrite only what a change touched,
in one transaction that BI readers neither wait for nor see half of.

Each test starts from a copy of the session's built warehouse and cancels one valid order of a
returning customer the way a sync would deliver it (a new raw version and its history row, written
with the ingestion's own RawStore), then re-stages."""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
import pytest

from phc_analytics.demo_shop.orders import history_json
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.test_concurrent_refresh import (
    InBackground,
    wait_for,
    waiting_on_lock,
)
from phc_analytics_tests.transform.test_incremental import (
    CANCELED,
    latest_payload,
    shop_time,
    write_raw,
)

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

STAGING = ["run", "--select", "path:models/staging"]
FACTS = ["run", "--select", "fct_orders fct_order_lines"]
VALID_REVENUE = (
    "SELECT sum(net_revenue) FILTER (WHERE is_valid), count(*) FROM analytics.fct_orders"
)


@dataclass
class Cancelled:
    order_id: int
    customer_id: int
    net_revenue: float


def cancel_one_order(url: str) -> Cancelled:
    """Cancel the latest valid order of a customer with three orders or more, and re-stage."""
    with psycopg.connect(url) as conn:
        order_id, customer_id, revenue = conn.execute(
            """SELECT f.order_id, f.customer_id, f.net_revenue FROM analytics.fct_orders f
               WHERE f.is_valid AND f.customer_id IN (
                   SELECT customer_id FROM analytics.fct_orders WHERE customer_id <> -1
                   GROUP BY customer_id HAVING count(*) >= 3)
               ORDER BY f.order_created_at DESC LIMIT 1"""
        ).fetchone()
        payload = latest_payload(conn, "orders", order_id)
        (last_history,) = conn.execute("SELECT max(id) FROM raw.order_histories").fetchone()
    later = shop_time(datetime.fromisoformat(payload["date_upd"]) + timedelta(days=1))
    version = copy.deepcopy(payload)
    version.update(current_state=str(CANCELED), valid="0", date_upd=later)
    history = json.loads(history_json(last_history + 1, 1, CANCELED, order_id, later))
    with psycopg.connect(url, autocommit=True) as conn:
        write_raw(conn, "orders", [version], "cancel")
        write_raw(conn, "order_histories", [history], "cancel")
    run_dbt(url, STAGING)
    return Cancelled(order_id, customer_id, float(revenue))


def last_build(conn: psycopg.Connection, mart: str) -> tuple[bool, int, int]:
    return conn.execute(
        """SELECT incremental, rows_deleted, rows_inserted FROM analytics.refresh_log
           WHERE view_name = %s ORDER BY id DESC LIMIT 1""",
        (f"analytics.{mart}",),
    ).fetchone()


def test_a_change_to_one_order_rewrites_only_the_rows_it_touches(built_copy: BuiltWarehouse):
    url = built_copy.url
    cancelled = cancel_one_order(url)
    run_dbt(url, FACTS)
    with psycopg.connect(url) as conn:
        status = conn.execute(
            "SELECT status_group, is_valid FROM analytics.fct_orders WHERE order_id = %s",
            (cancelled.order_id,),
        ).fetchone()
        assert status == ("cancelled", False)
        customer_orders = {o for (o,) in conn.execute(
            "SELECT order_id FROM analytics.fct_orders WHERE customer_id = %s",
            (cancelled.customer_id,),
        )}  # fmt: skip
        lines = {d for (d,) in conn.execute(
            "SELECT order_detail_id FROM analytics.fct_order_lines WHERE order_id = %s",
            (cancelled.order_id,),
        )}  # fmt: skip
        # The build recomputed every order of the customer (their new_vs_returning depends on
        # each other) and the cancelled order's lines, but wrote only the rows whose values
        # moved: the cancelled order and its lines. The customer's other orders came out
        # identical and were left alone, with their xmin and their mark (_mart_xid, what the
        # aggregates over the fact read).
        rewritten_orders = {o for (o,) in conn.execute(
            """SELECT order_id FROM analytics.fct_orders
               WHERE xmin = (SELECT xmin FROM analytics.fct_orders WHERE order_id = %s)""",
            (cancelled.order_id,),
        )}  # fmt: skip
        rewritten_lines = {d for (d,) in conn.execute(
            """SELECT order_detail_id FROM analytics.fct_order_lines WHERE xmin = (
                   SELECT xmin FROM analytics.fct_order_lines WHERE order_id = %s LIMIT 1)""",
            (cancelled.order_id,),
        )}  # fmt: skip
        total = conn.execute("SELECT count(*) FROM analytics.fct_orders").fetchone()[0]
        assert len(customer_orders) >= 3 and total > 10 * len(customer_orders)
        assert rewritten_orders == {cancelled.order_id}
        assert rewritten_lines == lines
        marked_orders = {o for (o,) in conn.execute(
            """SELECT order_id FROM analytics.fct_orders WHERE _mart_xid = (
                   SELECT _mart_xid FROM analytics.fct_orders WHERE order_id = %s)""",
            (cancelled.order_id,),
        )}  # fmt: skip
        assert marked_orders == {cancelled.order_id}
        n_lines = len(lines)
        assert last_build(conn, "fct_orders") == (True, 1, 1)
        assert last_build(conn, "fct_order_lines") == (True, n_lines, n_lines)
        (logged,) = conn.execute(
            "SELECT count(*) FROM staging.removed_fact_rows WHERE fact = 'fct_orders'"
            " AND removed_xid = (SELECT _mart_xid FROM analytics.fct_orders WHERE order_id = %s)",
            (cancelled.order_id,),
        ).fetchone()
        assert logged == 1


def test_a_reader_sees_the_facts_before_or_after_a_build_never_half(built_copy: BuiltWarehouse):
    url = built_copy.url
    cancelled = cancel_one_order(url)
    with psycopg.connect(url) as conn:
        revenue_before, orders_before = conn.execute(VALID_REVENUE).fetchone()
    blocker = psycopg.connect(url)
    # Stall the build at its very end: the rows are deleted and inserted, the post-hook waits to
    # log the build (ROW EXCLUSIVE on the log conflicts with this EXCLUSIVE lock), uncommitted.
    blocker.execute("LOCK TABLE analytics.refresh_log IN EXCLUSIVE MODE")
    build = InBackground(lambda: run_dbt(url, ["run", "--select", "fct_orders"]))
    try:
        wait_for(lambda: waiting_on_lock(url, "insert into analytics.refresh_log"))
        with psycopg.connect(url, autocommit=True) as reader:
            reader.execute("SET lock_timeout = '1s'")
            for _ in range(5):
                started = time.monotonic()
                assert reader.execute(VALID_REVENUE).fetchone() == (revenue_before, orders_before)
                assert time.monotonic() - started < 1
    finally:
        blocker.rollback()
        blocker.close()
        build.join()
    with psycopg.connect(url) as conn:
        revenue_after, orders_after = conn.execute(VALID_REVENUE).fetchone()
    assert orders_after == orders_before
    assert float(revenue_before - revenue_after) == pytest.approx(cancelled.net_revenue)


AGGREGATES = [
    "run",
    "--select",
    "customer_cohorts agg_product_performance agg_category_sales product_basket_counts",
]
BASKET_COUNTS = "SELECT product_a_id, product_b_id, orders FROM analytics.product_basket_counts"


def test_the_aggregates_over_the_facts_rewrite_only_the_groups_a_change_touched(
    built_copy: BuiltWarehouse,
):
    url = built_copy.url
    cancelled = cancel_one_order(url)
    run_dbt(url, FACTS)
    with psycopg.connect(url) as conn:
        before = {(a, b): n for a, b, n in conn.execute(BASKET_COUNTS)}
    run_dbt(url, AGGREGATES)
    with psycopg.connect(url) as conn:
        (month,) = conn.execute(
            "SELECT month_start FROM analytics.fct_orders WHERE order_id = %s",
            (cancelled.order_id,),
        ).fetchone()
        for mart, key, group, value in [
            ("customer_cohorts", "customer_id", "customer_id", cancelled.customer_id),
            ("agg_product_performance", "product_id", "month_start", month),
            ("agg_category_sales", "category_id", "month_start", month),
        ]:
            columns = f"{group}, {key}" if group != key else f"{key}, date_month"
            written = set(conn.execute(
                f"""SELECT {columns} FROM analytics.{mart} WHERE xmin = (
                        SELECT xmin FROM analytics.{mart} WHERE {group} = %s LIMIT 1)""",
                (value,),
            ).fetchall())  # fmt: skip
            group_rows = set(conn.execute(
                f"SELECT {columns} FROM analytics.{mart} WHERE {group} = %s", (value,)
            ).fetchall())  # fmt: skip
            total = conn.execute(f"SELECT count(*) FROM analytics.{mart}").fetchone()[0]
            # Exactly the group's rows, a small part of the mart: the customer's cohort rows,
            # the cancelled order's month.
            assert written == group_rows, mart
            assert 0 < len(group_rows) < total / 5, mart
            incremental, deleted, inserted = last_build(conn, mart)
            assert incremental and inserted == len(group_rows), mart
            # A product or category whose only sale of the month was the cancelled order left it.
            assert len(group_rows) <= deleted <= len(group_rows) + 10, mart

    # The basket counts move by exactly the cancelled order's basket: each of its pairs and
    # products, and the total, one order fewer; nothing else is rewritten.
    with psycopg.connect(url) as conn:
        products = sorted(
            p
            for (p,) in conn.execute(
                "SELECT DISTINCT product_id FROM analytics.fct_order_lines"
                " WHERE order_id = %s AND product_id <> -1",
                (cancelled.order_id,),
            )
        )
        after = {(a, b): n for a, b, n in conn.execute(BASKET_COUNTS)}
        written = set(
            conn.execute(
                """SELECT product_a_id, product_b_id FROM analytics.product_basket_counts
                   WHERE _mart_xid = (SELECT max(_mart_xid) FROM analytics.product_basket_counts)"""
            ).fetchall()
        )
        incremental, deleted, inserted = last_build(conn, "product_basket_counts")
    basket = {(a, b) for a in products for b in products if a < b}
    basket |= {(p, p) for p in products} | {(0, 0)}
    assert len(products) >= 1
    assert {k: after.get(k, 0) for k in basket} == {k: before[k] - 1 for k in basket}
    assert {k: n for k, n in after.items() if k not in basket} == {
        k: n for k, n in before.items() if k not in basket
    }
    assert written == {k for k in basket if after.get(k, 0) > 0}
    assert incremental and deleted == len(basket) and inserted == len(written)


SALES = ["run", "--select", "agg_sales_daily agg_sales_monthly"]


def test_the_sales_aggregates_write_only_the_rows_whose_values_moved(built_copy: BuiltWarehouse):
    url = built_copy.url
    cancelled = cancel_one_order(url)
    run_dbt(url, FACTS)
    with psycopg.connect(url) as conn:
        daily_before = conn.execute(
            "SELECT date_day, country_id, sales_channel_key, d.*"
            " FROM analytics.agg_sales_daily AS d"
        ).fetchall()
        monthly_before = conn.execute(
            "SELECT month_start, country_id, category_id, m.* FROM analytics.agg_sales_monthly AS m"
        ).fetchall()
    run_dbt(url, SALES)
    with psycopg.connect(url) as conn:
        day, month, country, channel = conn.execute(
            """SELECT order_date, month_start, country_id, sales_channel_key
               FROM analytics.fct_orders WHERE order_id = %s""",
            (cancelled.order_id,),
        ).fetchone()
        categories = {
            c
            for (c,) in conn.execute(
                "SELECT category_id FROM analytics.fct_order_lines WHERE order_id = %s",
                (cancelled.order_id,),
            )
        }
        daily_after = conn.execute(
            "SELECT date_day, country_id, sales_channel_key, d.*"
            " FROM analytics.agg_sales_daily AS d"
        ).fetchall()
        monthly_after = conn.execute(
            "SELECT month_start, country_id, category_id, m.* FROM analytics.agg_sales_monthly AS m"
        ).fetchall()
        # The rows this build wrote: the ones carrying the xmin of the order's own day's row.
        daily_written = set(conn.execute(
            """SELECT date_day, country_id, sales_channel_key FROM analytics.agg_sales_daily
               WHERE xmin = (SELECT xmin FROM analytics.agg_sales_daily
                             WHERE date_day = %s AND country_id = %s AND sales_channel_key = %s)""",
            (day, country, channel),
        ).fetchall())  # fmt: skip
        monthly_written = set(conn.execute(
            """SELECT month_start, country_id, category_id FROM analytics.agg_sales_monthly
               WHERE xmin = (SELECT xmin FROM analytics.agg_sales_monthly
                             WHERE month_start = %s AND country_id = %s
                               AND category_id = ANY(%s) LIMIT 1)""",
            (month, country, list(categories)),
        ).fetchall())  # fmt: skip
        daily_build = last_build(conn, "agg_sales_daily")
        monthly_build = last_build(conn, "agg_sales_monthly")

    # Exactly the rows whose values moved were written: the ones that differ from before.
    changed_daily = {r[:3] for r in set(daily_after) - set(daily_before)}
    changed_monthly = {r[:3] for r in set(monthly_after) - set(monthly_before)}
    assert daily_written == changed_daily
    assert monthly_written == changed_monthly
    # All of them the order's pair (or country and categories), on or after its day (month):
    # its day, the running sums after it, the prior-period columns of the next month and year.
    # The grid runs to today: past midnight, a day's rows for every pair are new too.
    last_day = max(r[0] for r in daily_before)
    new_days = {k for k in daily_written if k[0] > last_day}
    assert (day, country, channel) in daily_written
    assert all(k[1:] == (country, channel) and k[0] >= day for k in daily_written - new_days)
    assert all(k[1] == country and k[2] in categories and k[0] >= month for k in monthly_written)
    assert 0 < len(daily_written - new_days) < len(daily_after) / 20
    # The other rows of the grid were replaced, one for one.
    assert daily_build == (True, len(daily_written - new_days), len(daily_written))
    incremental, deleted, inserted = monthly_build
    assert incremental and inserted == len(monthly_written)
    # A category whose only sale of the month was the cancelled order left the month.
    assert len(monthly_before) - len(monthly_after) == deleted - inserted
