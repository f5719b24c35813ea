"""Raw checks flag bad payloads with their ids, and pass on a clean sync."""

import dagster as dg
import psycopg
import pytest

from phc_analytics.ingestion.assets import build_raw_assets
from phc_analytics.quality.raw_checks import build_all_raw_checks
from phc_analytics_tests.support.resources import raw_resources

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server


@pytest.fixture
def synced(migrated_database, shop_path):
    resources = raw_resources(migrated_database, shop_path)
    assets, checks = build_raw_assets(), build_all_raw_checks()
    with dg.instance_for_test() as instance:
        result = dg.materialize([*assets, *checks], instance=instance, resources=resources)
        yield result, assets, checks, resources, instance


def evaluations(result) -> dict:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def test_every_raw_asset_is_checked_and_a_clean_sync_passes(synced):
    result, assets, *_ = synced
    got = evaluations(result)
    for asset in assets:
        name = asset.key.to_user_string()
        for check in ("ids_not_null", "no_duplicate_versions", "schema_drift", "row_count_bounds"):
            assert got[(name, check)].passed, (name, check, got[(name, check)].metadata)
    assert got[("raw_orders", "cursor_not_null")].passed
    assert got[("raw_orders", "no_duplicate_versions")].metadata["failing_count"].value == 0


def test_bad_payloads_fail_soft_checks_with_their_ids(synced, migrated_database):
    _result, assets, checks, resources, instance = synced
    with psycopg.connect(migrated_database) as conn:
        # A later load with a zero date_upd and without current_state, plus an unknown field.
        conn.execute(
            """
            INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)
            SELECT id, md5(p::text), NULL, p, 'bad-load'
            FROM (SELECT id, (payload - 'current_state')
                         || '{"date_upd": "0000-00-00 00:00:00", "x_module_field": "1"}' AS p
                  FROM raw.orders ORDER BY id LIMIT 3) v
            """
        )
        bad_ids = [r[0] for r in conn.execute("SELECT id FROM raw.orders WHERE run_id='bad-load'")]
    orders_checks = [
        c for c in checks if any(k.asset_key == dg.AssetKey("raw_orders") for k in c.check_keys)
    ]
    rerun = dg.materialize(
        [*assets, *orders_checks],
        instance=instance,
        resources=resources,
        selection=dg.AssetSelection.checks_for_assets(dg.AssetKey("raw_orders")),
    )
    got = evaluations(rerun)
    drift = got[("raw_orders", "schema_drift")]
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert drift.metadata["failing_count"].value == 3
    assert sorted(drift.metadata["example_ids"].value) == sorted(bad_ids)
    assert drift.metadata["missing_fields"].value == ["current_state"]
    assert "x_module_field" in drift.metadata["new_fields"].value
    cursor = got[("raw_orders", "cursor_not_null")]
    assert not cursor.passed and cursor.metadata["failing_count"].value == 3
    assert got[("raw_orders", "no_duplicate_versions")].passed
