"""The Dagster code location: assembles assets, checks, schedules, sensors and resources.

``defs`` is a ``@dg.definitions`` function: Dagster calls it when it loads the code location,
so importing this module costs little more than importing dagster. Building the definitions
loads dagster-dbt and the dbt manifest (a few seconds), which commands such as
``phc-analytics status`` or ``db url`` never need; ``phc-analytics sync`` loads ``sync_defs``,
the raw assets and their checks without dbt.

Each layer exposes its own Definitions; they are merged here. Runs execute in one process, as
`phc-analytics run` does: Dagster's default executor starts a process per step, and each one
imports the code location (dbt manifest included), which costs more than most steps here (a
raw sync of a few changed records, one dbt build), and on a small machine kept a change from
reaching the marts within minutes.
"""

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs()


def build_defs(prestashop=None) -> dg.Definitions:
    """The whole code location; ``prestashop`` (a PrestaShopResource) replaces the shop chosen
    from the environment: `phc-analytics run` passes each shop of a shops file in turn."""
    from phc_analytics.automation import automation_sensor
    from phc_analytics.quality import definitions as quality
    from phc_analytics.resources import dbt_cli_resource
    from phc_analytics.transform import definitions as transform

    return dg.Definitions.merge(
        _ingestion(prestashop),
        transform.transform_defs,
        quality.quality_defs,
        dg.Definitions(sensors=[automation_sensor], resources={"dbt": dbt_cli_resource()}),
    )


def sync_defs(prestashop=None) -> dg.Definitions:
    """The raw assets and their checks only, for `phc-analytics sync`: without the dbt assets a
    sync loads neither dagster-dbt nor the dbt manifest, which was most of its start-up."""
    from phc_analytics.quality.raw_definitions import raw_quality_defs

    return dg.Definitions.merge(_ingestion(prestashop), raw_quality_defs)


def _ingestion(prestashop=None) -> dg.Definitions:
    from phc_analytics.ingestion import definitions as ingestion
    from phc_analytics.ingestion.progress import SyncProgress
    from phc_analytics.resources import prestashop_resource, shop_resources, warehouse_resource

    shops = shop_resources() if prestashop is None and _several_shops() else None
    if shops:
        # Several shops in the shops file: shop-by-day partitions, a resource per shop.
        from phc_analytics.ingestion.shop_partitions import resource_key

        return dg.Definitions.merge(
            ingestion.shop_ingestion_defs(tuple(shops)),
            dg.Definitions(
                executor=dg.in_process_executor,
                resources={
                    "warehouse": warehouse_resource(),
                    "sync_progress": SyncProgress(),
                    **{resource_key(name): resource for name, resource in shops.items()},
                },
            ),
        )
    return dg.Definitions.merge(
        ingestion.ingestion_defs,
        dg.Definitions(
            executor=dg.in_process_executor,
            resources={
                # Chosen from the environment: PHC_DATABASE_URL or the embedded PostgreSQL,
                # PRESTASHOP_URL or the built-in demo shop.
                "warehouse": warehouse_resource(),
                "prestashop": prestashop if prestashop is not None else prestashop_resource(),
                "sync_progress": SyncProgress(),
            },
        ),
    )


def _several_shops() -> bool:
    from phc_analytics.ingestion.shop_partitions import configured_shops

    return configured_shops() is not None
