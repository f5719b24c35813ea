"""An ERROR check on staging keeps the marts from refreshing on broken data."""

import dagster as dg
import psycopg
import pytest

from phc_analytics.definitions import defs
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.resources import pipeline_resources
from phc_analytics_tests.transform.test_incremental import latest_payload, write_raw

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server


def max_order_id(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT max(order_id) FROM staging.stg_orders").fetchone()[0]


def test_a_broken_staging_table_does_not_refresh_the_marts(built_copy: BuiltWarehouse):
    """On a copy of the session's built warehouse, whose marts every check passed on."""
    url = built_copy.url
    resources = pipeline_resources(url, built_copy.shop_path)
    code_location = defs()
    everything = [*code_location.assets, *code_location.asset_checks]
    with dg.instance_for_test() as instance:
        with psycopg.connect(url) as conn:
            refreshes = conn.execute("SELECT count(*) FROM analytics.refresh_log").fetchone()[0]
            # Break staging: an order that raw holds goes missing (a unique index already
            # stops duplicates, so a lost row is the break that can still happen).
            conn.execute(
                "DELETE FROM staging.stg_orders"
                " WHERE order_id = (SELECT min(order_id) FROM staging.stg_orders)"
            )
            # And something new arrives, so the run has a reason to build (an unchanged raw
            # skips staging and every check with it).
            order = latest_payload(conn, "orders", max_order_id(conn))
        with psycopg.connect(url, autocommit=True) as conn:
            write_raw(conn, "orders", [order | {"date_upd": "2025-06-02 09:00:00"}], "edit")
        second = dg.materialize(
            everything,
            instance=instance,
            resources=resources,
            selection=dg.AssetSelection.groups("staging", "analytics"),
            raise_on_error=False,
        )
    assert not second.success
    failed = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in second.get_asset_check_evaluations()
        if not e.passed
    }
    assert any(a == "staging/stg_orders" and "matches_raw_ids" in c for a, c in failed), failed
    built = {e.asset_key.to_user_string() for e in second.get_asset_materialization_events()}
    assert not any(name.startswith("analytics/") for name in built), built
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM analytics.refresh_log").fetchone()[0] == refreshes
