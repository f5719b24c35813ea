"""Least privilege: the whole pipeline runs as the ETL role; the BI role reads the marts only."""

import secrets

import dagster as dg
import psycopg
import pytest

from phc_analytics.definitions import defs
from phc_analytics.warehouse.migrations import set_role_passwords
from phc_analytics_tests.conftest import with_user
from phc_analytics_tests.support.resources import pipeline_resources
from phc_analytics_tests.support.shop import make_template

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server


def test_the_pipeline_runs_as_the_etl_role_and_bi_reads_the_marts_only(migrated_database, tmp_path):
    passwords = {role: secrets.token_urlsafe(16) for role in ("phc_etl", "phc_bi")}
    set_role_passwords(migrated_database, passwords)
    etl = with_user(migrated_database, "phc_etl", passwords["phc_etl"])
    bi = with_user(migrated_database, "phc_bi", passwords["phc_bi"])
    with psycopg.connect(etl) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert superuser.fetchone() == (False,)

    # Ingestion, dbt build (staging tables, then the materialized views refreshed
    # CONCURRENTLY), checks and quality report, all connected as phc_etl.
    shop = make_template(tmp_path, orders=200, seed=9)
    resources = pipeline_resources(etl, shop)
    code_location = defs()
    everything = [*code_location.assets, *code_location.asset_checks]
    report = {"ops": {"quality_report": {"config": {"path": str(tmp_path / "quality.json")}}}}
    with dg.instance_for_test() as instance:
        first = dg.materialize(
            everything, instance=instance, resources=resources, run_config=report
        )
        assert first.success
        # A second run refreshes and replaces what the first one created: only the owner can.
        # (Raw only ever inserts, which the first run did as phc_etl.) Nothing changed in the
        # shop, so the dbt layers are forced to build.
        forced = {"config": {"force": True}}
        second = dg.materialize(
            everything,
            instance=instance,
            resources=resources,
            run_config={"ops": {**report["ops"], "dbt_staging": forced, "dbt_analytics": forced}},
            selection=dg.AssetSelection.groups("staging", "analytics", "quality"),
        )
        assert second.success

    with psycopg.connect(migrated_database) as admin:
        owners = dict(
            admin.execute(
                """SELECT n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)
                   FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                   WHERE n.nspname IN ('staging', 'analytics') AND c.relkind IN ('r', 'm')"""
            ).fetchall()
        )
        # Views refreshed concurrently, incremental facts updated in place: both need the owner.
        refreshed = {
            name
            for (name,) in admin.execute(
                "SELECT view_name FROM analytics.refresh_log"
                " WHERE view_name LIKE 'analytics.%' AND (ran_concurrently OR incremental)"
            )
        }
        orders = admin.execute("SELECT count(DISTINCT id) FROM raw.orders").fetchone()[0]
    assert orders == 200
    assert owners["staging.stg_orders"] == "phc_etl"
    assert owners["analytics.fct_orders"] == "phc_etl"
    assert owners["staging.etl_watermarks"] != "phc_etl"  # the migrations' own objects
    migrations_own = {"analytics.refresh_log", "analytics.check_results"}
    marts = [n for n in owners if n.startswith("analytics.") and n not in migrations_own]
    assert len(marts) > 10
    assert all(owners[name] == "phc_etl" for name in marts), owners
    # The second run refreshed or updated every mart.
    assert set(marts) <= refreshed, sorted(set(marts) - refreshed)

    # BI: reads every mart phc_etl created (default privileges FOR ROLE phc_etl)...
    with psycopg.connect(bi, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "phc_bi"
        assert conn.execute("SELECT count(*) FROM analytics.fct_orders").fetchone()[0] == orders
        # every mart but dim_customer, masked by default (PHC_BI_PII; warehouse/test_pii.py)
        for name in marts:
            if name != "analytics.dim_customer":
                conn.execute(f"SELECT 1 FROM {name} LIMIT 1")
        conn.execute("SELECT email FROM analytics.dim_customer_masked LIMIT 1")
        # ... and nothing else: no raw, no staging, no writes, no DDL.
        for statement in (
            "SELECT count(*) FROM raw.orders",
            "SELECT count(*) FROM raw.customers",
            "SELECT count(*) FROM staging.stg_orders",
            "SELECT email FROM analytics.dim_customer",
            "INSERT INTO analytics.refresh_log (view_name, started_at) VALUES ('bi', now())",
            "DELETE FROM analytics.refresh_log",
            "UPDATE analytics.refresh_log SET view_name = 'bi'",
            "REFRESH MATERIALIZED VIEW analytics.customer_rfm",
            "DROP MATERIALIZED VIEW analytics.customer_rfm",
            "DELETE FROM analytics.fct_orders",
            "DROP TABLE analytics.fct_order_lines",
            "CREATE TABLE analytics.bi_table (id int)",
            "CREATE TABLE raw.bi_table (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
