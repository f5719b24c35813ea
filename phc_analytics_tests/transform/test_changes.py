"""No work without a change: a dbt layer whose inputs did not move is skipped, says why, and
builds again as soon as one raw row arrives (or the day changes, for the marts)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import psycopg
import pytest

from phc_analytics.transform import changes
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.test_concurrent_refresh import InBackground, wait_for
from phc_analytics_tests.transform.test_incremental import latest_payload, write_raw

pytestmark = pytest.mark.server


def transform_run(
    url: str, prefix: str = "dbt skipped"
) -> tuple[dg.ExecuteInProcessResult, set[str], list[str]]:
    """Materialize staging and the marts once: the result, what materialized, and the run's log
    lines that start with ``prefix`` (by default, those saying a layer was skipped)."""
    from phc_analytics.transform.definitions import transform_defs
    from phc_analytics.transform.resources import dbt_resource

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            transform_defs.assets, resources={"dbt": dbt_resource(url)}, instance=instance
        )
        lines = [
            entry.user_message
            for entry in instance.all_logs(result.run_id)
            if entry.user_message.startswith(prefix)
        ]
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    return result, built, lines


def test_a_run_with_nothing_new_rebuilds_no_model_and_a_new_row_rebuilds(
    built_copy: BuiltWarehouse,
):
    url = built_copy.url
    # The warehouse was just built: nothing arrived in raw since.
    result, built, skipped = transform_run(url)
    assert result.success
    assert built == set()
    # The marts are skipped with staging, by Dagster: only staging had to decide.
    assert skipped == ["dbt skipped: no raw row arrived since the last staging build"]

    # One customer edited in raw: staging and the marts build again, then rest again.
    with psycopg.connect(url, autocommit=True) as conn:
        (customer_id,) = conn.execute("SELECT min(id) FROM raw.customers").fetchone()
        customer = latest_payload(conn, "customers", customer_id)
        customer.update(lastname="Renamed", date_upd="2025-06-02 10:00:00")
        write_raw(conn, "customers", [customer], "edit")
    result, built, skipped = transform_run(url)
    assert result.success
    assert {"staging/stg_customers", "analytics/dim_customer", "analytics/fct_orders"} <= built
    assert skipped == []
    with psycopg.connect(url) as conn:
        name = conn.execute(
            "SELECT lastname FROM analytics.dim_customer WHERE customer_id = %s", (customer_id,)
        ).fetchone()
    assert name == ("Renamed",)
    result, built, skipped = transform_run(url)
    assert result.success and built == set() and len(skipped) == 1


def test_decisions_name_what_changed(built_copy: BuiltWarehouse):
    url = built_copy.url
    staging = ["staging.stg_customers", "staging.stg_orders"]
    marts = ["analytics.fct_orders", "analytics.dim_customer"]
    with psycopg.connect(url, autocommit=True) as conn:
        assert changes.staging_decision(conn, staging) == changes.Decision(
            False, "no raw row arrived since the last staging build"
        )
        assert changes.staging_decision(conn, ["staging.stg_nothing"]).reason == (
            "not built yet: staging.stg_nothing"
        )
        # dim_customer is a view whose creation was not logged; fct_orders logs every build.
        assert changes.analytics_decision(conn, marts, staging) == changes.Decision(
            True, "no logged build of analytics.dim_customer"
        )
        assert changes.analytics_decision(conn, marts[:1], staging).build is False
        # The next day the marts build again (zero-filled days reach today).
        conn.execute(
            "UPDATE analytics.refresh_log SET finished_at = finished_at - interval '1 day'"
            " WHERE view_name = 'analytics.fct_orders'"
        )
        assert changes.analytics_decision(conn, marts[:1], staging).reason.startswith("a new day")
        snapshot = changes.current_snapshot(conn)
        (order_id,) = conn.execute("SELECT min(id) FROM raw.orders").fetchone()
        write_raw(conn, "orders", [latest_payload(conn, "orders", order_id) | {"note": "x"}], "r")
        assert changes.raw_tables_changed_since(conn, snapshot.xmin) == ["orders"]
        assert changes.raw_tables_changed_since(conn, snapshot.xmin, [snapshot.text]) == ["orders"]
        assert changes.staging_decision(conn, staging) == changes.Decision(
            True, "new raw rows in orders"
        )


def test_rows_staged_while_another_write_held_the_xmin_back_do_not_look_new(
    built_copy: BuiltWarehouse,
):
    """A snapshot's xmin is the oldest write running anywhere on the server. Rows loaded after
    it began, but before the staging build, were staged: the next run must not rebuild for
    them. A row whose load was still running when the build started was not staged."""
    url = built_copy.url
    staging = ["staging.stg_customers", "staging.stg_orders"]
    quiet = changes.Decision(False, "no raw row arrived since the last staging build")

    def edit_order(conn: psycopg.Connection, note: str) -> None:
        (order_id,) = conn.execute("SELECT min(id) FROM raw.orders").fetchone()
        payload = latest_payload(conn, "orders", order_id) | {"note": note}
        write_raw(conn, "orders", [payload], note)

    def log_build(conn: psycopg.Connection) -> changes.Snapshot:
        snapshot = changes.current_snapshot(conn)
        changes.log_staging_builds(conn, staging, snapshot, dt.datetime.now(dt.UTC), "t")
        return snapshot

    with (
        psycopg.connect(url, autocommit=True) as conn,
        psycopg.connect(url) as long_write,
        psycopg.connect(url) as late_load,
    ):
        long_write.execute("SELECT pg_current_xact_id()")  # holds every snapshot's xmin back
        edit_order(conn, "loaded after the long write began")
        snapshot = log_build(conn)
        assert changes.raw_tables_changed_since(conn, snapshot.xmin) == ["orders"]
        assert changes.staging_decision(conn, staging) == quiet

        edit_order(conn, "loaded after the build")
        assert changes.staging_decision(conn, staging) == changes.Decision(
            True, "new raw rows in orders"
        )
        log_build(conn)
        assert changes.staging_decision(conn, staging) == quiet

        late_load.execute(  # a load whose transaction is still open when the build starts
            "INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)"
            " SELECT id, 'late', cursor_value, payload, 'late' FROM raw.orders"
            " ORDER BY id LIMIT 1"
        )
        log_build(conn)
        late_load.commit()
        assert changes.staging_decision(conn, staging).build is True
        long_write.rollback()


def test_a_dbt_step_waits_for_another_build_holding_the_warehouse_lock(
    built_copy: BuiltWarehouse,
):
    """Two runs that both build staging (the shop-change sensor's and one started by hand)
    would create the same tables at once; the second waits on the warehouse's dbt lock."""
    from phc_analytics.transform.assets import DBT_LOCK_KEY

    url = built_copy.url
    holder = psycopg.connect(url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (DBT_LOCK_KEY,))
    run = InBackground(lambda: transform_run(url))
    try:
        wait_for(
            lambda: holder.execute(
                "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()[0]
        )
        assert run.is_alive()
    finally:
        holder.close()  # releases the lock
        run.join()
    result, built, skipped = run.result
    assert result.success
    assert built == set()
    assert skipped == ["dbt skipped: no raw row arrived since the last staging build"]


def test_a_warehouse_built_before_the_incremental_facts_is_upgraded_in_one_run(
    built_copy: BuiltWarehouse,
):
    url = built_copy.url
    with psycopg.connect(url, autocommit=True) as conn:
        # As the previous version built it: no _staged_xid in staging, the facts as views; and
        # as the versions before issue 16 did: `orders` in agg_sales_monthly, no currency, no
        # masked customer view.
        conn.execute("ALTER TABLE staging.stg_orders DROP COLUMN _staged_xid")
        make_marts_as_before_issue_16(conn)
        conn.execute("DROP TABLE analytics.fct_order_lines CASCADE")
        conn.execute(
            "CREATE MATERIALIZED VIEW analytics.fct_order_lines AS"
            " SELECT order_id FROM staging.stg_order_rows"
        )
    result, _, warnings = transform_run(url, prefix="full refresh to upgrade")
    assert result.success
    # Each layer says why (the marts would have been rebuilt with staging anyway).
    assert warnings == [
        "full refresh to upgrade the warehouse: staging was built before _staged_xid existed",
        "full refresh to upgrade the warehouse: agg_sales_monthly still has `orders`",
    ]
    with psycopg.connect(url) as conn:
        kinds = dict(conn.execute(
            "SELECT relname, relkind FROM pg_class WHERE relname = ANY(%s)",
            (["fct_orders", "fct_order_lines", "customer_rfm"],),
        ).fetchall())  # fmt: skip
        lines, staged = conn.execute(
            "SELECT (SELECT count(*) FROM analytics.fct_order_lines),"
            " (SELECT count(*) FROM staging.stg_order_rows)"
        ).fetchone()
        assert conn.execute("SELECT _staged_xid FROM staging.stg_orders LIMIT 1").fetchone()
    assert kinds == {"fct_orders": "r", "fct_order_lines": "r", "customer_rfm": "m"}
    assert lines == staged > 0
    with psycopg.connect(url) as conn:
        currencies = conn.execute(
            "SELECT DISTINCT currency FROM analytics.agg_sales_daily"
            " UNION SELECT DISTINCT currency FROM analytics.agg_sales_monthly"
        ).fetchall()
        masked = conn.execute("SELECT count(*) FROM analytics.dim_customer_masked").fetchone()
        assert changes.upgrade_reason(conn, "analytics") is None
    assert currencies == [("EUR",)] and masked[0] > 0

    # Staging upgraded, a fact still a view (only reachable by hand: a staging full refresh
    # drops the views): the marts' own check names it.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE analytics.fct_order_lines CASCADE")
        conn.execute(
            "CREATE MATERIALIZED VIEW analytics.fct_order_lines AS"
            " SELECT order_id FROM staging.stg_order_rows"
        )
        conn.execute(
            "INSERT INTO raw.zones (id, payload) SELECT id, payload FROM raw.zones LIMIT 0"
        )
    with psycopg.connect(url, autocommit=True) as conn:
        assert changes.upgrade_reason(conn, "staging") is None
        assert changes.upgrade_reason(conn, "analytics") == (
            "fct_order_lines are still materialized views (now incremental tables)"
        )
        # Staging from before it kept shops apart (no `shop` column): rebuilt whole once.
        # (dim_geography reads it: CASCADE, as an old warehouse has no such view.)
        conn.execute("ALTER TABLE staging.stg_zones DROP COLUMN shop CASCADE")
        assert changes.upgrade_reason(conn, "staging") == (
            "staging was built before it kept shops apart"
        )
        conn.execute("ALTER TABLE staging.stg_carts DROP COLUMN shop_id")
        assert changes.upgrade_reason(conn, "staging") == (
            "staging was built before carts carried their store"
        )
        # Marts from before they kept shops apart: rebuilt whole once as well.
        conn.execute("DROP MATERIALIZED VIEW analytics.fct_order_lines")
        conn.execute("ALTER TABLE analytics.customer_cohorts DROP COLUMN shop CASCADE")
        assert changes.upgrade_reason(conn, "analytics") == (
            "the marts were built before they kept shops apart"
        )


INCREMENTAL_AGGREGATES_WITH_MONEY = (
    "agg_sales_daily", "agg_sales_monthly", "agg_product_performance", "agg_category_sales",
    "agg_voucher_use_monthly",
)  # fmt: skip


def make_marts_as_before_issue_16(conn: psycopg.Connection) -> None:
    # New in issue 16, and it reads agg_sales_daily's columns.
    conn.execute("DROP MATERIALIZED VIEW analytics.agg_orders_monthly")
    conn.execute(
        "ALTER TABLE analytics.agg_sales_monthly RENAME COLUMN orders_with_category TO orders"
    )
    for table in INCREMENTAL_AGGREGATES_WITH_MONEY:
        conn.execute(f"ALTER TABLE analytics.{table} DROP COLUMN currency")
    conn.execute("DROP VIEW analytics.dim_customer_masked")


def test_marts_built_before_orders_with_category_and_currency_get_a_full_refresh(
    built_copy: BuiltWarehouse,
):
    """dbt's on_schema_change would stop an incremental build of these tables: the marts are
    rebuilt whole instead (the upgrade test above runs that rebuild)."""
    with psycopg.connect(built_copy.url, autocommit=True) as conn:
        assert changes.upgrade_reason(conn, "analytics") is None
        conn.execute("ALTER TABLE analytics.agg_category_sales DROP COLUMN currency")  # no view
        assert changes.upgrade_reason(conn, "analytics") == (
            "the aggregates were built before they carried their currency"
        )
        conn.execute(
            "ALTER TABLE analytics.agg_sales_monthly RENAME COLUMN orders_with_category TO orders"
        )
        assert changes.upgrade_reason(conn, "analytics") == "agg_sales_monthly still has `orders`"


def _currency_pairs(conn, table: str, pairs: list[tuple[str, str]]) -> None:
    conn.execute(f"DELETE FROM {table}")
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (shop, iso_code) VALUES (%s, %s)",
            pairs,
        )


def test_a_moved_conversion_path_rebuilds_the_marts_and_a_new_currency_alone_does_not(
    migrated_database, monkeypatch
):
    """Berlin has no dollar: with dollars as the reporting currency its euros go through the
    first shop by name that knows both. When that shop changes, the marts hold old rates."""
    monkeypatch.setenv("PHC_REPORTING_CURRENCY", "USD")
    built = [("berlin", "EUR"), ("paris", "EUR"), ("paris", "USD")]
    with psycopg.connect(migrated_database, autocommit=True) as conn:
        # staging.stg_currencies as dbt builds it, reduced to what the check reads.
        conn.execute("CREATE TABLE staging.stg_currencies (shop text, iso_code text)")
        _currency_pairs(conn, "staging.mart_currency_pairs", built)

        _currency_pairs(conn, "staging.stg_currencies", built)
        assert changes.currency_paths_reason(conn) is None
        # A currency of its own for paris (it already knew dollars): no path moves.
        _currency_pairs(conn, "staging.stg_currencies", [*built, ("paris", "CHF")])
        assert changes.currency_paths_reason(conn) is None
        # A shop that sorts before paris knows euros and dollars: berlin's euros move to it.
        _currency_pairs(
            conn, "staging.stg_currencies", [*built, ("aachen", "EUR"), ("aachen", "USD")]
        )
        assert changes.currency_paths_reason(conn) == (
            "1 currency conversion paths moved (a shop gained or lost a currency)"
        )
        # Berlin gains dollars: its euros now go through its own rates.
        _currency_pairs(conn, "staging.stg_currencies", [*built, ("berlin", "USD")])
        assert changes.currency_paths_reason(conn) is not None
        # Nothing recorded yet (a warehouse from before migration 024's first fact build).
        _currency_pairs(conn, "staging.mart_currency_pairs", [])
        assert changes.currency_paths_reason(conn) is None
