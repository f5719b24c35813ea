"""The whole dbt project built through Dagster on the session's warehouse: assets, checks,
materialized views with unique indexes, the refresh log."""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from phc_analytics_tests.support.built_warehouse import BuiltWarehouse

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

STAGING = ["stg_addresses", "stg_carriers", "stg_categories", "stg_configurations",
           "stg_countries", "stg_currencies", "stg_customers", "stg_order_histories",
           "stg_order_rows", "stg_order_states", "stg_orders", "stg_products", "stg_quarantine",
           "stg_zones"]  # fmt: skip
MARTS = ["agg_category_sales", "agg_product_performance", "agg_rfm_segments", "agg_sales_daily",
         "agg_sales_monthly", "cohort_retention", "customer_cohorts", "customer_rfm",
         "dim_customer", "dim_date", "dim_geography", "dim_order_status", "dim_product",
         "dim_sales_channel", "fct_order_lines", "fct_orders", "product_pairs",
         "quarantined_records", "sales_anomalies"]  # fmt: skip


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


def test_marts_are_materialized_views_with_a_unique_index(built_warehouse: BuiltWarehouse):
    with psycopg.connect(built_warehouse.url) as conn:
        views = conn.execute(
            "SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics' ORDER BY 1"
        ).fetchall()
        assert [v for (v,) in views] == MARTS
        without_unique = conn.execute(
            """
            SELECT mv.matviewname FROM pg_matviews mv
            WHERE mv.schemaname = 'analytics' AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                WHERE i.indrelid = format('analytics.%I', mv.matviewname)::regclass
                  AND i.indisunique AND i.indpred IS NULL)
            """
        ).fetchall()
        assert without_unique == []
        staging = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'staging' AND tablename LIKE 'stg_%'"  # noqa: E501
            " ORDER BY 1"
        ).fetchall()
        assert [t for (t,) in staging] == STAGING


def test_refresh_is_concurrent_and_logged_with_the_run_id(built_copy: BuiltWarehouse):
    """The first build creates the views; the next run refreshes them CONCURRENTLY and logs."""
    from phc_analytics.transform.definitions import transform_defs
    from phc_analytics.transform.resources import dbt_resource

    analytics = [a for a in transform_defs.assets if a.node_def.name == "dbt_analytics"]
    result = dg.materialize(analytics, resources={"dbt": dbt_resource(built_copy.url)})
    assert result.success
    with psycopg.connect(built_copy.url) as conn:
        rows = conn.execute(
            """
            SELECT view_name, ran_concurrently, row_count, finished_at >= started_at
            FROM analytics.refresh_log WHERE run_id = %s ORDER BY view_name
            """,
            (result.run_id,),
        ).fetchall()
        counts = dict(
            conn.execute(
                "SELECT 'analytics.' || matviewname, 0 FROM pg_matviews WHERE schemaname = 'analytics'"  # noqa: E501
            ).fetchall()
        )
        for view in counts:
            counts[view] = conn.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    assert [r[0] for r in rows] == [f"analytics.{m}" for m in MARTS]
    assert all(concurrently for _, concurrently, _, _ in rows)
    assert all(ordered for *_, ordered in rows)
    assert {view: n for view, _, n, _ in rows} == counts
