"""A code location with several shops (issue 17): raw assets partitioned shop by day, a
PrestaShop resource per shop, one run per shop from the schedules and the change sensor, and a
shop that is down failing its own partitions only."""

from __future__ import annotations

import shutil
from datetime import datetime

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from phc_analytics import settings
from phc_analytics.demo_shop import advance_shop
from phc_analytics.demo_shop.resource import DemoShopResource
from phc_analytics.ingestion.definitions import shop_ingestion_defs
from phc_analytics.ingestion.partitions import daily_partitions
from phc_analytics.ingestion.progress import SyncProgress
from phc_analytics.ingestion.shop_partitions import (
    SHOP_TAG,
    configured_shops,
    latest_shop_syncs,
    partition_key,
    resource_key,
)
from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_TAG
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.quality.raw_load import latest_load
from phc_analytics.quality.report import write_report
from phc_analytics.warehouse.resource import WarehouseResource

pytestmark = pytest.mark.server

SHOPS = ("paris", "berlin", "lyon")  # lyon's Webservice cannot be reached


@pytest.fixture
def shop_resources(migrated_database, shop_path, tmp_path):
    berlin = tmp_path / "berlin.sqlite"
    shutil.copyfile(shop_path, berlin)
    return {
        "warehouse": WarehouseResource(database_url=migrated_database),
        "sync_progress": SyncProgress(),
        resource_key("paris"): DemoShopResource(shop_path=str(shop_path), shop="paris"),
        resource_key("berlin"): DemoShopResource(shop_path=str(berlin), shop="berlin"),
        # Nothing listens on port 9: every request fails at once (one attempt).
        resource_key("lyon"): PrestaShopResource(
            base_url="http://127.0.0.1:9", ws_key="A" * 32, shop="lyon", max_attempts=1
        ),
    }


def _definitions(resources) -> dg.Definitions:
    return dg.Definitions.merge(
        shop_ingestion_defs(SHOPS),
        dg.Definitions(executor=dg.in_process_executor, resources=resources),
    )


def _shops_in_raw(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT shop, count(*) FROM raw.orders GROUP BY shop").fetchall())


def test_each_shop_syncs_in_its_own_partition_and_a_down_shop_fails_only_its_own(
    shop_resources, migrated_database, tmp_path
):
    defs = _definitions(shop_resources)
    job = defs.resolve_job_def("raw_sync")
    today = daily_partitions().get_last_partition_key()
    with dg.instance_for_test() as instance:
        results = {
            shop: job.execute_in_process(
                partition_key=partition_key(shop, today), instance=instance, raise_on_error=False
            )
            for shop in SHOPS
        }
        assert results["paris"].success and results["berlin"].success
        assert not results["lyon"].success
        # Each run carries its shop's tag: dagster.yaml's limits (one run per shop) key on it.
        assert {r.tags.get(SHOP_TAG) for r in instance.get_runs()} == set(SHOPS)
        materialized = instance.get_materialized_partitions(dg.AssetKey("raw_orders"))
        assert materialized == {partition_key("paris", today), partition_key("berlin", today)}
        shop_of = results["berlin"].asset_materializations_for_node("raw_orders")[0].metadata
        assert shop_of["shop"].value == "berlin"
        # The quality report names the shop that is down (it has no check to fail).
        syncs = latest_shop_syncs(instance, SHOPS)
        assert [(s["shop"], s["status"]) for s in syncs] == [
            ("paris", "success"),
            ("berlin", "success"),
            ("lyon", "failure"),
        ]
        report = write_report(tmp_path / "report.json", [], shops=syncs)
        assert report["summary"]["failing_shops"] == ["lyon"]
        # The raw checks judge their own run's load, not the latest of any shop.
        with psycopg.connect(migrated_database) as conn:
            table = sql.Identifier("raw", "orders")
            orders = dg.AssetKey("raw_orders")
            own = latest_load(instance, orders, conn, table, run_id=results["paris"].run_id)
            latest = latest_load(instance, orders, conn, table)
        assert (own.shop, own.run_id) == ("paris", results["paris"].run_id)
        assert latest.shop == "berlin"
    counts = _shops_in_raw(migrated_database)
    assert set(counts) == {"paris", "berlin"} and counts["paris"] == counts["berlin"] > 0


def test_schedules_ask_for_one_run_per_shop(shop_resources):
    defs = _definitions(shop_resources)
    when = datetime(2026, 12, 5, 2, 30)
    context = dg.build_schedule_context(scheduled_execution_time=when)
    hourly = defs.resolve_schedule_def("hourly_raw_sync")(context)
    assert [r.partition_key for r in hourly] == [partition_key(s, "2026-12-05") for s in SHOPS]
    assert len({r.run_key for r in hourly}) == len(SHOPS)
    nightly = defs.resolve_schedule_def("nightly_raw_resweep")(context)
    assert [r.partition_key for r in nightly] == [partition_key(s, "2026-12-04") for s in SHOPS]
    assert all(r.tags[SWEEP_TAG] == SWEEP_ALWAYS for r in nightly)


def test_the_change_sensor_probes_each_shop_and_a_down_shop_does_not_stop_the_others(
    shop_resources, migrated_database
):
    defs = _definitions(shop_resources)
    today = daily_partitions().get_last_partition_key()
    sensor = defs.resolve_sensor_def("shop_change_sensor")
    # Syncs only: a dbt build in each shop's run would hold the dbt pool and queue the shops.
    assert sensor.job_name == "raw_sync"
    with dg.instance_for_test() as instance:

        def tick():
            # As the daemon evaluates it (the shops' resources come through the context).
            with dg.build_sensor_context(
                instance=instance, definitions=defs, resources=shop_resources
            ) as context:
                return sensor.evaluate_tick(context)

        # Nothing synced yet: paris and berlin have changes; lyon cannot be asked.
        first = tick()
        assert [r.partition_key for r in first.run_requests] == [
            partition_key("paris", today),
            partition_key("berlin", today),
        ]
        job = defs.resolve_job_def("raw_sync")
        for shop in ("paris", "berlin"):
            assert job.execute_in_process(
                partition_key=partition_key(shop, today), instance=instance
            ).success
        idle = tick()
        assert not idle.run_requests and "lyon: unreachable" in idle.skip_message
        # Paris moves on: only paris is asked for.
        advance_shop(shop_resources[resource_key("paris")].shop_path, hours=6)
        changed = tick()
        assert [r.partition_key for r in changed.run_requests] == [partition_key("paris", today)]


def test_a_shops_file_with_several_shops_gives_the_code_location_shop_by_day_partitions(
    tmp_path, monkeypatch
):
    from phc_analytics.definitions import sync_defs

    shops = tmp_path / "shops.yaml"
    shops.write_text(
        "shops:\n"
        "  - {name: paris, url: 'https://paris.example.com', key_env: PARIS_KEY}\n"
        "  - {name: berlin, url: 'https://berlin.example.com', key_env: BERLIN_KEY}\n"
    )
    monkeypatch.setenv(settings.ENV_SHOPS_FILE, str(shops))
    monkeypatch.setenv("PARIS_KEY", "P" * 32)
    monkeypatch.setenv("BERLIN_KEY", "B" * 32)
    defs = sync_defs()
    partitions = defs.resolve_assets_def("raw_orders").partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    shop_dimension = partitions.get_partitions_def_for_dimension("shop")
    assert shop_dimension.get_partition_keys() == ["paris", "berlin"]
    assert {resource_key("paris"), resource_key("berlin")} <= set(defs.resources)
    assert "prestashop" not in defs.resources
    # What the quality report lists (its jobs' graphs do not show the partitions).
    assert configured_shops() == ["paris", "berlin"]
