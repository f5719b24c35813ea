"""Bad data served by the shop itself goes through the whole pipeline without crashing it:
raw keeps it verbatim, staging types it or quarantines it with the reason, the checks name it,
the marts leave it out and say so (analytics.quarantined_records, the quality report)."""

import json

import dagster as dg
import psycopg
import pytest

from phc_analytics.definitions import defs
from phc_analytics.demo_shop import store
from phc_analytics.demo_shop.bad_records import KINDS, plant_bad_records
from phc_analytics.demo_shop.model import RESOURCES
from phc_analytics_tests.support.resources import pipeline_resources
from phc_analytics_tests.support.shop import make_template

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

STAGING_KEYS = {"orders": "order_id", "customers": "customer_id", "products": "product_id"}
EXPECTED_REASONS = {
    "invalid_date": 'unreadable date_add: "2024-13-45 99:00:00"',
    "non_numeric_amount": 'unreadable total_paid_tax_incl: "abc"',
    "negative_amount": "negative total_paid_tax_excl: -25.000000",
    "missing_field": "missing field total_paid_tax_excl",
    "unknown_customer": "does not exist",
    "unexpected_type": "unexpected object in firstname",
    "replacement_character": "lastname holds U+FFFD",
    "enormous_string": "oversized name (1048576 characters)",
}


def test_bad_records_are_kept_in_raw_quarantined_flagged_and_left_out_of_the_marts(
    migrated_database, tmp_path
):
    shop = make_template(tmp_path, orders=300, seed=5)
    planted = plant_bad_records(shop)
    assert set(planted) == set(KINDS)
    quarantined = {kind: planted[kind] for kind, (_, out) in KINDS.items() if out}
    typed = {kind: planted[kind] for kind, (_, out) in KINDS.items() if not out}
    report_path = tmp_path / "quality_report.json"

    resources = pipeline_resources(migrated_database, shop)
    with dg.instance_for_test() as instance:
        # The whole graph, as `dagster materialize` / `phc-analytics run` would: it succeeds.
        result = dg.materialize(
            [*defs().assets, *defs().asset_checks],
            instance=instance,
            resources=resources,
            run_config={"ops": {"quality_report": {"config": {"path": str(report_path)}}}},
        )
    assert result.success

    with psycopg.connect(migrated_database) as conn, store.connect(shop) as shop_conn:
        # Raw keeps every bad payload exactly as the shop sent it.
        for entity, record_id in planted.values():
            sent = json.loads(store.fetch_one(shop_conn, RESOURCES[entity], record_id))
            kept = conn.execute(
                f"SELECT payload FROM raw.{entity} WHERE id = %s", (record_id,)
            ).fetchall()
            assert kept == [(sent,)], (entity, record_id)

        # Staging: quarantined with the reason, and absent from the typed table...
        reasons = {
            (entity, record_id): reason
            for entity, record_id, reason in conn.execute(
                "SELECT entity, record_id, reason FROM staging.stg_quarantine"
            )
        }
        assert set(reasons) == set(quarantined.values()), reasons
        for kind, key in quarantined.items():
            assert EXPECTED_REASONS[kind] in reasons[key], (kind, reasons[key][:200])
        for entity, record_id in quarantined.values():
            assert not _staged(conn, entity, record_id), (entity, record_id)
        # ... or typed: PrestaShop's zero date is NULL, mojibake is valid text kept as sent.
        assert _staged(conn, *typed["zero_date"])
        assert conn.execute(
            "SELECT invoice_date, delivery_date, date_add IS NOT NULL FROM staging.stg_orders"
            " WHERE order_id = %s",
            (typed["zero_date"][1],),
        ).fetchone() == (None, None, True)
        assert conn.execute(
            "SELECT lastname FROM staging.stg_customers WHERE customer_id = %s",
            (typed["mojibake"][1],),
        ).fetchone() == ("MÃ¼ller",)

        # The marts exclude the quarantined records, and list them for BI users.
        bad_orders = [i for e, i in quarantined.values() if e == "orders"]
        assert conn.execute(
            "SELECT count(*) FROM analytics.fct_orders WHERE order_id = ANY(%s)", (bad_orders,)
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM analytics.fct_order_lines WHERE order_id = ANY(%s)",
            (bad_orders,),
        ).fetchone() == (0,)
        raw_orders = conn.execute("SELECT count(DISTINCT id) FROM raw.orders").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM analytics.fct_orders").fetchone()[0] == (
            raw_orders - len(bad_orders)
        )
        bad_customers = [i for e, i in quarantined.values() if e == "customers"]
        assert conn.execute(
            "SELECT count(*) FROM analytics.dim_customer WHERE customer_id = ANY(%s)",
            (bad_customers,),
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM analytics.dim_product WHERE product_id = %s",
            (quarantined["enormous_string"][1],),
        ).fetchone() == (0,)
        listed = {
            (entity, record_id)
            for entity, record_id in conn.execute(
                "SELECT entity, record_id FROM analytics.quarantined_records"
            )
        }
        assert listed == set(quarantined.values())

    # The checks: the quarantine check fails as a WARN and names every id; the ERROR checks
    # (raw ids = staged + quarantined ids, grains) pass, so nothing was blocked.
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    check = evaluations[("staging/stg_quarantine", "no_quarantined_records")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    expected_ids = sorted(f"{entity}:{record_id}" for entity, record_id in quarantined.values())
    assert check.metadata["failing_count"].value == len(quarantined)
    assert sorted(check.metadata["example_ids"].value) == expected_ids
    failed_errors = [
        key
        for key, e in evaluations.items()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []
    for model in ("stg_orders", "stg_customers", "stg_products"):
        assert any(
            a == f"staging/{model}" and "matches_raw_ids" in c and e.passed
            for (a, c), e in evaluations.items()
        ), model
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"analytics/fct_orders", "analytics/quarantined_records"} <= materialized

    # The merchant-facing report says the same.
    report = json.loads(report_path.read_text())
    entry = next(c for c in report["checks"] if c["check"] == "no_quarantined_records")
    assert entry["status"] == "failed" and entry["severity"] == "WARN"
    assert entry["failing_count"] == len(quarantined)
    assert sorted(entry["example_ids"]) == expected_ids
    assert report["summary"]["error_failures"] == 0


def _staged(conn: psycopg.Connection, entity: str, record_id: int) -> bool:
    key = STAGING_KEYS[entity]
    return conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM staging.stg_{entity} WHERE {key} = %s)", (record_id,)
    ).fetchone()[0]
