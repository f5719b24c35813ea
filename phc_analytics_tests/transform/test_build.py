"""The whole dbt project built through Dagster on the session's warehouse: assets, checks,
materialized views with unique indexes, the refresh log."""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from phc_analytics_tests.support.built_warehouse import BuiltWarehouse

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

STAGING = ["stg_addresses", "stg_carriers", "stg_cart_rules", "stg_carts", "stg_categories",
           "stg_configurations", "stg_countries", "stg_currencies", "stg_currency_rates",
           "stg_customers",
           "stg_order_cart_rules", "stg_order_histories", "stg_order_payments", "stg_order_rows",
           "stg_order_slips", "stg_order_states", "stg_orders", "stg_products", "stg_quarantine",
           "stg_shop_groups", "stg_shops", "stg_stock_availables", "stg_zones"]  # fmt: skip
MARTS = ["agg_carts_daily", "agg_category_sales", "agg_orders_monthly", "agg_payments_daily",
         "agg_product_performance", "agg_refunds_daily", "agg_rfm_segments", "agg_sales_daily",
         "agg_sales_monthly", "agg_voucher_use_monthly", "cohort_retention", "customer_cohorts",
         "customer_rfm", "dim_customer", "dim_date", "dim_geography", "dim_order_status",
         "dim_product", "dim_sales_channel", "dim_shop", "fct_order_lines", "fct_orders",
         "payment_mismatches", "product_basket_counts", "product_pairs", "quarantined_records",
         "sales_anomalies", "stock_cover"]  # fmt: skip
# Tables updated for the keys a change touched (macros/incremental_marts.sql, basket_counts.sql).
INCREMENTAL_MARTS = ["agg_carts_daily", "agg_category_sales", "agg_product_performance",
                     "agg_sales_daily", "agg_sales_monthly", "agg_voucher_use_monthly",
                     "customer_cohorts", "fct_order_lines", "fct_orders", "payment_mismatches",
                     "product_basket_counts"]  # fmt: skip
# Plain views: no rows of their own, nothing to refresh or log.
PLAIN_VIEWS = ["product_pairs"]
# Not dbt models: the migrations' bookkeeping, readable by the BI role (sql/migrations/020_*),
# and dim_customer's masked view (its post-hook, macros/bi_pii.sql).
MIGRATION_TABLES = ["check_results", "refresh_log"]
MIGRATION_VIEWS = ["dim_customer_masked", "sync_status"]
# What a BI tool lists in the schema: the marts and what the BI role reads beside them.
COMMENTED = [*MARTS, "check_results", "dim_customer_masked", "sync_status"]
VIEWS = [m for m in MARTS if m not in INCREMENTAL_MARTS and m not in PLAIN_VIEWS]
LOGGED = [m for m in MARTS if m not in PLAIN_VIEWS]


def test_every_model_materializes_and_every_test_passes(built_warehouse: BuiltWarehouse):
    result = built_warehouse.result
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    expected = {f"staging/{m}" for m in STAGING} | {f"analytics/{m}" for m in MARTS}
    assert materialized == expected
    evaluations = result.get_asset_check_evaluations()
    failed = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed]
    assert failed == []
    # Every dbt test ran and reported as an asset check: none skipped or silently dropped.
    from phc_analytics.transform.definitions import transform_defs

    declared = {key for a in transform_defs.assets for key in a.check_keys}
    assert {e.asset_check_key for e in evaluations} == declared


def test_marts_are_views_or_incremental_tables_with_a_unique_index(
    built_warehouse: BuiltWarehouse,
):
    with psycopg.connect(built_warehouse.url) as conn:
        views = conn.execute(
            "SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics' ORDER BY 1"
        ).fetchall()
        assert [v for (v,) in views] == VIEWS
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'analytics' ORDER BY 1"
        ).fetchall()
        assert [t for (t,) in tables] == sorted([*INCREMENTAL_MARTS, *MIGRATION_TABLES])
        plain = conn.execute(
            "SELECT viewname FROM pg_views WHERE schemaname = 'analytics' ORDER BY 1"
        ).fetchall()
        assert [v for (v,) in plain] == sorted([*PLAIN_VIEWS, *MIGRATION_VIEWS])
        without_unique = conn.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'analytics' AND c.relkind IN ('m', 'r') AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL)
            """
        ).fetchall()
        assert without_unique == []
        staging = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'staging' AND tablename LIKE 'stg_%'"  # noqa: E501
            " ORDER BY 1"
        ).fetchall()
        assert [t for (t,) in staging] == STAGING


def test_refresh_is_concurrent_and_logged_with_the_run_id(built_copy: BuiltWarehouse):
    """The first build creates the marts; the next run refreshes the views CONCURRENTLY, updates
    the incremental tables for what changed (nothing here: no row rewritten), and logs both."""
    from phc_analytics.transform.definitions import transform_defs
    from phc_analytics.transform.resources import dbt_resource

    analytics = [a for a in transform_defs.assets if a.node_def.name == "dbt_analytics"]
    result = dg.materialize(analytics, resources={"dbt": dbt_resource(built_copy.url)})
    assert result.success
    with psycopg.connect(built_copy.url) as conn:
        rows = conn.execute(
            """
            SELECT view_name, ran_concurrently, row_count, finished_at >= started_at,
                   incremental, rows_deleted, rows_inserted
            FROM analytics.refresh_log WHERE run_id = %s ORDER BY view_name
            """,
            (result.run_id,),
        ).fetchall()
        counts = {
            f"analytics.{m}": conn.execute(f"SELECT count(*) FROM analytics.{m}").fetchone()[0]
            for m in LOGGED
        }
    assert [r[0] for r in rows] == [f"analytics.{m}" for m in LOGGED]
    by_name = {r[0].removeprefix("analytics."): r for r in rows}
    assert all(by_name[v][1] and not by_name[v][4] for v in VIEWS)
    # Nothing changed since the build: the incremental marts deleted and inserted no row.
    assert [by_name[m][4:] for m in INCREMENTAL_MARTS] == [(True, 0, 0)] * len(INCREMENTAL_MARTS)
    assert all(r[3] for r in rows)
    assert {r[0]: r[2] for r in rows} == counts


def test_every_mart_and_every_mart_column_has_a_comment(built_warehouse: BuiltWarehouse):
    """What a BI tool shows beside each table and column: the dbt descriptions, as comments
    (macros/comments.sql), materialized views included."""
    with psycopg.connect(built_warehouse.url) as conn:
        relations = conn.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class AS c"
            " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'analytics' AND c.relkind IN ('r', 'v', 'm')"
            " AND c.relname = ANY(%s)",
            (COMMENTED,),
        ).fetchall()
        bare_columns = conn.execute(
            "SELECT c.relname, a.attname FROM pg_class AS c"
            " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            " WHERE n.nspname = 'analytics' AND c.relname = ANY(%s)"
            " AND coalesce(col_description(c.oid, a.attnum), '') = ''",
            (COMMENTED,),
        ).fetchall()
    assert sorted(name for name, _ in relations) == sorted(COMMENTED)
    assert [name for name, comment in relations if not comment] == []
    assert bare_columns == []
