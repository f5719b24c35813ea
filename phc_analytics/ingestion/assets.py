"""The raw_* assets: one per PrestaShop resource, each writing its raw table."""

import warnings
from datetime import timedelta

import dagster as dg

from phc_analytics import settings
from phc_analytics.ingestion.erasure import erase_deleted_customers
from phc_analytics.ingestion.partitions import daily_partitions, request_for
from phc_analytics.ingestion.progress import SyncProgress
from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_TAG, sweep_due, sweep_entity
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.prestashop.entities import ENTITIES, Entity
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.warehouse.resource import WarehouseResource

RAW_GROUP = "raw"
# Incremental resources are synced hourly (and on change), reference data at least daily.
INCREMENTAL_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=26), warn_window=timedelta(hours=2)
)
REFERENCE_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8))
# Every raw asset is in this pool, and dagster.yaml limits it to one run at a time (run
# granularity): a schedule, the sensor, a backfill and "Materialize all" queue behind each other
# instead of interleaving, which would also pair a check with another run's materialization.
RAW_POOL = "prestashop_sync"
# After a sync of these, customers deleted in the shop have their personal data erased
# (ingestion/erasure.py). Each pass needs two tables (a customer and their addresses; a payment
# and the order that names its customer), and the raw assets may run side by side: whichever of
# the pair commits last runs the pass that sees both.
ERASURE_ENTITIES = ("customers", "addresses", "orders", "order_payments")


def build_raw_asset(entity: Entity, partitions_def: dg.PartitionsDefinition | None):
    incremental = entity.incremental
    description = raw_description(entity)

    @dg.asset(
        name=entity.asset_name,
        group_name=RAW_GROUP,
        kinds={"postgres", "prestashop"},
        partitions_def=partitions_def if incremental else None,
        backfill_policy=dg.BackfillPolicy.single_run() if incremental else None,
        description=description,
        metadata={"table": f"raw.{entity.name}", "cursor": entity.cursor or "full refresh"},
        freshness_policy=INCREMENTAL_FRESHNESS if incremental else REFERENCE_FRESHNESS,
        pool=RAW_POOL,
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        prestashop: PrestaShopResource,
        warehouse: WarehouseResource,
        sync_progress: SyncProgress,
    ) -> dg.MaterializeResult:
        return load_entity(
            context, entity, request_for(context), prestashop, warehouse, sync_progress
        )

    return raw_asset


def build_raw_assets() -> list[dg.AssetsDefinition]:
    partitions_def = daily_partitions()
    with warnings.catch_warnings():
        # BackfillPolicy is marked beta; single-run backfills are what the design relies on.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return [build_raw_asset(entity, partitions_def) for entity in ENTITIES]


def raw_description(entity: Entity) -> str:
    incremental = entity.incremental
    return (
        f"Every distinct version of PrestaShop `{entity.name}` (raw.{entity.name}), read "
        + (
            f"incrementally on `{entity.cursor}`; a partition is a day of that cursor."
            if incremental
            else "whole on each run (no date column to read by)."
        )
        + (
            " A run tagged `phc/sweep` then lists every id and tombstones the records the shop"
            " deleted."
            if entity.sweep
            else ""
        )
        + (
            " Afterwards, customers deleted in the shop have their personal data erased."
            if entity.name in ERASURE_ENTITIES
            else ""
        )
    )


def load_entity(
    context: dg.AssetExecutionContext,
    entity: Entity,
    request,
    prestashop: PrestaShopResource,
    warehouse: WarehouseResource,
    sync_progress: SyncProgress,
) -> dg.MaterializeResult:
    """One raw asset's work for one shop: the sync of ``request``, the delete sweep when the
    run asks for it, the erasure of deleted customers; the materialization names the shop."""
    sweep = context.run.tags.get(SWEEP_TAG) if entity.sweep else None
    metadata = {}
    with prestashop.client() as client, warehouse.connect() as conn:
        stats = sync_entity(
            client,
            conn,
            entity,
            request,
            run_id=context.run.run_id,
            concurrency=prestashop.max_concurrency,
            on_batch=sync_progress.on_batch(entity.name),
            shop=prestashop.shop,
        )
        sync_progress.finished(stats)
        context.log.info(
            f"{entity.name}: {stats.rows_read} read, {stats.new_versions} new versions,"
            f" {stats.pages} pages, {stats.retries} retries in {stats.seconds:.1f} s"
        )
        if sweep and (sweep == SWEEP_ALWAYS or sweep_due(conn, entity, shop=prestashop.shop)):
            swept = sweep_entity(
                client,
                conn,
                entity,
                run_id=context.run.run_id,
                concurrency=prestashop.max_concurrency,
                max_removed_share=settings.sweep_max_removed_share(),
                shop=prestashop.shop,
            )
            metadata.update(swept.as_metadata())
            context.log.info(
                f"{entity.name}: swept {swept.listed_ids} ids, {swept.removed} removed,"
                f" {swept.reappeared} back, in {swept.seconds:.1f} s"
            )
        if entity.name in ERASURE_ENTITIES:
            erased = erase_deleted_customers(conn, run_id=context.run.run_id, shop=prestashop.shop)
            metadata.update(erased.as_metadata())
            if erased.customers:
                context.log.info(
                    f"erased the personal data of {erased.customers} deleted customer(s)"
                )
    # The shop, for the checks of this load (quality/raw_load.py).
    return dg.MaterializeResult(
        metadata={"shop": prestashop.shop, **stats.as_metadata(), **metadata}
    )
