"""The raw assets, schedules and sensor as Dagster runs them."""

from datetime import datetime, timedelta

import dagster as dg
import psycopg
import pytest

from phc_analytics.demo_shop import advance_shop
from phc_analytics.ingestion.assets import build_raw_assets
from phc_analytics.ingestion.jobs import raw_sync_job
from phc_analytics.ingestion.partitions import daily_partitions
from phc_analytics.ingestion.schedules import (
    build_delete_sweep_schedule,
    hourly_raw_sync,
    nightly_raw_resweep,
)
from phc_analytics.ingestion.sensors import shop_change_sensor
from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_IF_DUE, SWEEP_TAG
from phc_analytics.runner import RANGE_END_TAG, RANGE_START_TAG
from phc_analytics_tests.support.resources import raw_resources

METADATA_KEYS = {
    "rows_read",
    "new_versions",
    "unchanged",
    "watermark_before",
    "watermark_after",
    "pages",
    "requests",
    "retries",
    "seconds",
}


@pytest.fixture
def resources(migrated_database, shop_path):
    return raw_resources(migrated_database, shop_path, page_size=200)


def test_a_three_partition_backfill_is_one_run_with_full_metadata(resources):
    assets = build_raw_assets()
    keys = daily_partitions().get_partition_keys()
    start, end = keys[-4], keys[-2]
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            assets,
            selection=["raw_orders", "raw_order_states"],
            instance=instance,
            resources=resources,
            tags={RANGE_START_TAG: start, RANGE_END_TAG: end},
        )
        assert result.success
        assert len(instance.get_runs()) == 1
        assert instance.get_materialized_partitions(dg.AssetKey("raw_orders")) == set(keys[-4:-1])
    orders = result.asset_materializations_for_node("raw_orders")[0].metadata
    assert set(orders) >= METADATA_KEYS
    read_from = datetime.fromisoformat(orders["read_from"].value)
    read_to = datetime.fromisoformat(orders["read_to"].value)
    assert read_from == datetime.fromisoformat(start)
    assert read_to <= datetime.fromisoformat(end) + timedelta(days=1)
    assert orders["rows_read"].value > 0
    states = result.asset_materializations_for_node("raw_order_states")[0].metadata
    assert states["rows_read"].value == 13


def test_a_second_shop_lands_beside_the_first_under_its_own_name(
    resources, migrated_database, shop_path
):
    """The marts key by (id, shop) too: a warehouse takes a second installation as it is."""
    assets = build_raw_assets()
    with dg.instance_for_test() as instance:
        first = dg.materialize(
            assets, selection=["raw_order_states"], instance=instance, resources=resources
        )
        assert first.success
        other = raw_resources(migrated_database, shop_path, shop="paris")
        second = dg.materialize(
            assets, selection=["raw_order_states"], instance=instance, resources=other
        )
        assert second.success
        metadata = second.asset_materializations_for_node("raw_order_states")[0].metadata
        assert metadata["shop"].value == "paris"
    with psycopg.connect(migrated_database) as conn:
        counts = dict(
            conn.execute("SELECT shop, count(*) FROM raw.order_states GROUP BY shop").fetchall()
        )
    assert counts == {"default": 13, "paris": 13}


def tick(instance, defs, resources):
    """One evaluation of the sensor, its resources set up and torn down as the daemon does."""
    with dg.build_sensor_context(instance=instance, definitions=defs, resources=resources) as ctx:
        return shop_change_sensor(ctx)


def test_sensor_requests_a_sync_only_when_the_shop_changed(resources, shop_path):
    assets = build_raw_assets()
    with dg.instance_for_test() as instance:
        dg.materialize(assets, instance=instance, resources=resources)
        defs = dg.Definitions(
            assets=assets, jobs=[raw_sync_job], sensors=[shop_change_sensor], resources=resources
        )
        idle = tick(instance, defs, resources)
        assert isinstance(idle, dg.SkipReason)

        advance_shop(shop_path, hours=3)
        changed = tick(instance, defs, resources)
        # A sync already waiting or running: no second request until it has finished.
        pending = instance.create_run_for_job(defs.resolve_job_def("raw_sync"))
        assert pending.status == dg.DagsterRunStatus.NOT_STARTED
        busy = tick(instance, defs, resources)
        instance.report_run_canceled(pending)
        # The sensor's own job (sync, then staging and the marts) counts too.
        refreshing = instance.create_run_for_job(defs.resolve_job_def("shop_refresh"))
        busy_refresh = tick(instance, defs, resources)
        instance.report_run_canceled(refreshing)
        # "Materialize all" or a backfill in the UI runs the implicit asset job: same wait.
        asset_job = defs.resolve_implicit_global_asset_job_def()
        from_ui = instance.create_run_for_job(asset_job, asset_selection={dg.AssetKey("raw_zones")})
        busy_ui = tick(instance, defs, resources)
        instance.report_run_canceled(from_ui)
        after = tick(instance, defs, resources)
    assert isinstance(changed, dg.SensorResult)
    [request] = changed.run_requests
    assert request.partition_key == daily_partitions().get_last_partition_key()
    assert request.run_key.startswith("change-")
    assert isinstance(busy, dg.SkipReason)
    assert pending.run_id[:8] in busy.skip_message
    assert refreshing.run_id[:8] in busy_refresh.skip_message
    assert isinstance(busy_ui, dg.SkipReason)
    assert from_ui.run_id[:8] in busy_ui.skip_message
    assert isinstance(after, dg.SensorResult)


def test_schedules_target_today_hourly_and_yesterday_nightly():
    at = datetime(2026, 11, 23, 3, 5)
    hourly = hourly_raw_sync(dg.build_schedule_context(scheduled_execution_time=at))
    nightly = nightly_raw_resweep(dg.build_schedule_context(scheduled_execution_time=at))
    assert hourly.partition_key == "2026-11-23"
    assert nightly.partition_key == "2026-11-22"
    assert hourly.run_key != nightly.run_key
    # The nightly re-read also sweeps for deletes; the hourly sync does not.
    assert nightly.tags[SWEEP_TAG] == SWEEP_ALWAYS and SWEEP_TAG not in hourly.tags


def test_the_delete_sweep_schedule_reads_its_cron_and_sweeps_what_is_due(monkeypatch):
    default = build_delete_sweep_schedule()
    assert default.cron_schedule == "45 2 * * *"
    assert default.default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setenv("PHC_SWEEP_CRON", "0 */4 * * *")
    schedule = build_delete_sweep_schedule()
    assert schedule.cron_schedule == "0 */4 * * *"
    at = datetime(2026, 11, 23, 4, 0)
    request = schedule(dg.build_schedule_context(scheduled_execution_time=at))
    assert request.partition_key == "2026-11-23"
    assert request.tags[SWEEP_TAG] == SWEEP_IF_DUE


def test_a_run_tagged_to_sweep_tombstones_deletes_and_erases_deleted_customers(
    resources, shop_path, migrated_database
):
    import psycopg

    from phc_analytics.demo_shop import store
    from phc_analytics.demo_shop.deletes import gdpr_erase_customer
    from phc_analytics.demo_shop.edits import editing

    assets = build_raw_assets()
    selection = ["raw_customers", "raw_addresses", "raw_orders"]
    with dg.instance_for_test() as instance:
        assert dg.materialize(assets, selection=selection, instance=instance, resources=resources)
        conn = store.connect(shop_path)
        (customer_id,) = conn.execute("SELECT id_customer FROM orders LIMIT 1").fetchone()
        conn.close()
        with editing(shop_path) as shop:
            gdpr_erase_customer(shop.conn, customer_id, shop.now)
        untagged = dg.materialize(assets, selection=selection, instance=instance,
                                  resources=resources)  # fmt: skip
        tagged = dg.materialize(
            assets, selection=selection, instance=instance, resources=resources,
            tags={SWEEP_TAG: SWEEP_ALWAYS},
        )  # fmt: skip
    before = untagged.asset_materializations_for_node("raw_customers")[0].metadata
    after = tagged.asset_materializations_for_node("raw_customers")[0].metadata
    # The generated shop has soft-deleted customers: the first run erased them already.
    assert "sweep_removed" not in before and before["erased_customers"].value == 0
    assert after["sweep_removed"].value == 1
    assert after["erased_customers"].value == 1
    orders = tagged.asset_materializations_for_node("raw_orders")[0].metadata
    assert orders["sweep_removed"].value == 0
    with psycopg.connect(migrated_database) as pg:
        logged = pg.execute("SELECT customer_id, reason FROM staging.erasure_log").fetchall()
    assert (customer_id, "removed from the shop") in logged
    assert {reason for c, reason in logged if c != customer_id} == {"soft-deleted in the shop"}
