"""The raw layer of a code location with several shops (a shops file listing more than one):
every raw asset is partitioned shop-by-day, each shop has its own PrestaShop resource
(``prestashop_<name>``), and the schedules and the change sensor ask for one run per shop.

A run syncs one shop (its partition's ``shop``), so a shop that is down fails its own runs and
partitions only; the others sync and refresh as usual. Dagster tags each run with its partition's
dimensions (``dagster/partition/shop``): dagster.yaml's run coordinator allows one run per shop
at a time and a few shops at once on that tag. With one shop, the code location keeps the plain
daily partitions of ingestion/assets.py.
"""

import warnings

import dagster as dg

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.ingestion.assets import (
    INCREMENTAL_FRESHNESS,
    RAW_GROUP,
    REFERENCE_FRESHNESS,
    load_entity,
    raw_description,
)
from phc_analytics.ingestion.jobs import raw_sync_job
from phc_analytics.ingestion.partitions import _naive, daily_partitions
from phc_analytics.ingestion.schedules import build_schedules
from phc_analytics.ingestion.sensors import IN_FLIGHT, PROBED, reads_the_shop, watermarks
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES, Entity

SHOP_DIMENSION = "shop"
DAY_DIMENSION = "day"
# The tag Dagster gives every run of a shop-by-day partition.
SHOP_TAG = f"dagster/partition/{SHOP_DIMENSION}"
# The tag of the runs `phc-analytics run` starts for one shop of a shops file.
CLI_SHOP_TAG = "phc/shop"


def resource_key(shop: str) -> str:
    return f"prestashop_{shop}"


def shop_day_partitions(shops: tuple[str, ...]) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            SHOP_DIMENSION: dg.StaticPartitionsDefinition(list(shops)),
            DAY_DIMENSION: daily_partitions(),
        }
    )


def partition_key(shop: str, day: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({SHOP_DIMENSION: shop, DAY_DIMENSION: day})


def shop_request(entity: Entity, day: str) -> SyncRequest:
    """The read of one shop-by-day partition: the day of the cursor (from the watermark on for
    the latest day, as the single-shop assets do); a reference resource is read whole."""
    if not entity.incremental:
        return SyncRequest.everything()
    days = daily_partitions()
    window = days.time_window_for_partition_key(day)
    latest = day == days.get_last_partition_key()
    return SyncRequest(
        range_start=_naive(window.start),
        range_end=_naive(window.end),
        latest=latest,
        from_watermark=latest,
    )


def build_shop_raw_asset(entity: Entity, shops: tuple[str, ...]) -> dg.AssetsDefinition:
    @dg.asset(
        name=entity.asset_name,
        group_name=RAW_GROUP,
        kinds={"postgres", "prestashop"},
        # Every raw asset, reference ones too: they are read per shop, and a job's assets share
        # one partitioning.
        partitions_def=shop_day_partitions(shops),
        description=raw_description(entity) + " Partitioned by shop and day.",
        metadata={"table": f"raw.{entity.name}", "cursor": entity.cursor or "full refresh"},
        freshness_policy=INCREMENTAL_FRESHNESS if entity.incremental else REFERENCE_FRESHNESS,
        required_resource_keys={"warehouse", "sync_progress", *map(resource_key, shops)},
    )
    def raw_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        key = context.partition_key.keys_by_dimension
        prestashop = getattr(context.resources, resource_key(key[SHOP_DIMENSION]))
        return load_entity(
            context,
            entity,
            shop_request(entity, key[DAY_DIMENSION]),
            prestashop,
            context.resources.warehouse,
            context.resources.sync_progress,
        )

    return raw_asset


def build_shop_raw_assets(shops: tuple[str, ...]) -> list[dg.AssetsDefinition]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return [build_shop_raw_asset(entity, shops) for entity in ENTITIES]


def build_shop_schedules(shops: tuple[str, ...]) -> list[dg.ScheduleDefinition]:
    """The schedules of ingestion/schedules.py, a run per shop."""

    def per_shop(day: str, run_key: str, tags: dict) -> list[dg.RunRequest]:
        return [
            dg.RunRequest(
                run_key=f"{run_key}-{shop}", partition_key=partition_key(shop, day), tags=tags
            )
            for shop in shops
        ]

    return build_schedules(per_shop)


def _shop_runs(instance: dg.DagsterInstance, shop: str, statuses, limit: int | None = None):
    """Runs of ``shop``, oldest first: tagged with its partition (Dagster), or by `phc-analytics
    run` (which syncs each shop of a shops file in a run of its own, unpartitioned)."""
    records = []
    for tag in (SHOP_TAG, CLI_SHOP_TAG):
        records += instance.get_run_records(
            filters=dg.RunsFilter(tags={tag: shop}, statuses=statuses), limit=limit
        )
    return [r.dagster_run for r in sorted(records, key=lambda record: record.create_timestamp)]


FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def latest_shop_syncs(instance: dg.DagsterInstance, shops) -> list[dict]:
    """Per shop, its latest finished run (success, failure or canceled; not_run before any):
    the quality report's `shops` section."""
    out = []
    for shop in shops:
        runs = _shop_runs(instance, shop, FINISHED, limit=1)
        run = runs[-1] if runs else None
        out.append(
            {
                "shop": shop,
                "status": run.status.value.lower() if run else "not_run",
                "run_id": run.run_id if run else None,
            }
        )
    return out


def configured_shops() -> list[str] | None:
    """The shops of the shops file when it lists several (None: a single shop). From the
    environment, not from a job's graph: the quality report runs in jobs whose graph sees the
    raw assets only as unpartitioned upstream nodes."""
    import os

    if not os.environ.get(settings.ENV_SHOPS_FILE):
        return None
    from phc_analytics.shops_file import load_shops

    names = [shop.name for shop in load_shops().shops]
    return names if len(names) > 1 else None


def shop_sync_in_flight(instance: dg.DagsterInstance, shop: str) -> str | None:
    """A run syncing ``shop`` that has not finished yet, if any: one of its own, or one that
    reads the shop without naming a shop (a single-shop run on the same instance)."""
    own = [run for run in _shop_runs(instance, shop, IN_FLIGHT) if reads_the_shop(run)]
    if own:
        return own[0].run_id
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT)):
        if reads_the_shop(run) and not ({SHOP_TAG, CLI_SHOP_TAG} & set(run.tags)):
            return run.run_id
    return None


def build_shop_change_sensor(shops: tuple[str, ...]) -> dg.SensorDefinition:
    """The change sensor of ingestion/sensors.py, one probe and one run per shop: a shop that
    is down is skipped (and logged), the others are still refreshed.

    Each run only syncs its shop (``raw_sync``); the automation sensor then builds staging and
    the marts once for whatever landed (the dbt assets' eager conditions). A ``shop_refresh`` per
    shop, as with one shop, would carry a dbt build in every run: with the pools' run
    granularity each such run holds the ``dbt_build`` slot from launch to end, so the shops'
    syncs would queue one behind the other instead of running side by side."""

    @dg.sensor(
        name="shop_change_sensor",
        job=raw_sync_job,
        minimum_interval_seconds=10,
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={"warehouse", *map(resource_key, shops)},
        description="Every 10 s, per shop: `limit=0,1` on records newer than its watermarks;"
        " a shop that changed gets a run that syncs it (shops side by side); the automation"
        " sensor then refreshes staging and the marts once for every shop that landed.",
    )
    def shop_change_sensor(context: dg.SensorEvaluationContext):
        latest = daily_partitions().get_last_partition_key()
        requests, skipped = [], []
        for shop in shops:
            busy = shop_sync_in_flight(context.instance, shop)
            if busy:
                skipped.append(f"{shop}: sync {busy[:8]} running")
                continue
            marks = watermarks(context.resources.warehouse, shop)
            try:
                with getattr(context.resources, resource_key(shop)).client(probe=True) as client:
                    changed = [
                        name for name in PROBED if client.changed_since(BY_NAME[name], marks[name])
                    ]
            except PhcError as error:
                # One shop down must not stop the others. The project's errors name the URL
                # and the status, never the key.
                context.log.warning(f"shop {shop}: probe failed: {error}")
                skipped.append(f"{shop}: unreachable")
                continue
            if not changed:
                continue
            run_key = f"change-{shop}-" + "-".join(
                f"{name}@{marks[name]:%Y%m%d%H%M%S}" for name in changed
            )
            requests.append(
                dg.RunRequest(run_key=run_key, partition_key=partition_key(shop, latest))
            )
        if skipped:
            context.log.info("; ".join(skipped))
        if not requests:
            return dg.SkipReason("no shop changed since its watermarks" + "".join(
                f"; {s}" for s in skipped))  # fmt: skip
        return dg.SensorResult(run_requests=requests)

    return shop_change_sensor
