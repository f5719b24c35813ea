"""Ask the shop, cheaply, whether anything changed since the watermark; sync only then."""

import dagster as dg

from phc_analytics.ingestion.jobs import raw_sync_job, shop_refresh_job
from phc_analytics.ingestion.partitions import daily_partitions
from phc_analytics.ingestion.raw_store import EPOCH
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.warehouse.resource import WarehouseResource

# The resources whose changes matter for the marts; each probe is one request for one id.
PROBED = ("orders", "customers", "products")
RAW_KEYS = frozenset(dg.AssetKey(entity.asset_name) for entity in ENTITIES)
# A run that reads the shop and is waiting or running: a second one would only queue behind it.
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def reads_the_shop(run: dg.DagsterRun) -> bool:
    if run.job_name in (raw_sync_job.name, shop_refresh_job.name):
        return True
    # "Materialize all", a backfill or a hand-picked selection in the UI run the implicit asset
    # job; what they read is in their asset selection.
    return bool(run.asset_selection and run.asset_selection & RAW_KEYS)


def raw_sync_in_flight(instance: dg.DagsterInstance) -> str | None:
    """The id of a run that syncs raw assets (sensor, schedule, backfill or manual) and has not
    finished yet, if any."""
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT))
    return next((run.run_id for run in runs if reads_the_shop(run)), None)


def watermarks(warehouse: WarehouseResource, shop: str) -> dict:
    """The shop's watermarks of the probed resources (the epoch for one never synced)."""
    with warehouse.connect() as conn:
        marks = dict(
            conn.execute(
                "SELECT entity, cursor_value FROM staging.etl_watermarks"
                " WHERE shop = %s AND entity = ANY(%s)",
                (shop, list(PROBED)),
            ).fetchall()
        )
    return {name: marks.get(name, EPOCH) for name in PROBED}


@dg.sensor(
    name="shop_change_sensor",
    job=shop_refresh_job,
    # Three one-record requests per tick, and the store list (a handful of ids, for id_shop=all):
    # cheap for any shop, and a change waits 5 s on average.
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 10 s: `limit=0,1` on records newer than the watermark; when the shop has"
    " changed, one run syncs raw and refreshes staging and the marts.",
)
def shop_change_sensor(
    context: dg.SensorEvaluationContext,
    prestashop: PrestaShopResource,
    warehouse: WarehouseResource,
) -> dg.SensorResult | dg.SkipReason:
    # While a sync runs its watermarks move entity by entity, so the probe would see a "new"
    # change and request a second sync that only delays the refresh; the next tick after it
    # ends catches whatever it did not read.
    busy = raw_sync_in_flight(context.instance)
    if busy:
        return dg.SkipReason(f"raw sync {busy[:8]} has not finished; checking again next tick")
    marks = watermarks(warehouse, prestashop.shop)
    with prestashop.client(probe=True) as client:
        changed = [name for name in PROBED if client.changed_since(BY_NAME[name], marks[name])]
    if not changed:
        return dg.SkipReason("no change in the shop since the watermarks")
    latest = daily_partitions().get_last_partition_key()
    # The run key names the watermarks: while a sync is pending or running they do not move, so
    # the same change is not requested twice.
    run_key = "change-" + "-".join(f"{name}@{marks[name]:%Y%m%d%H%M%S}" for name in changed)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, partition_key=latest)],
    )
