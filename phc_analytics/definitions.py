"""The Dagster code location: assembles assets, checks, schedules, sensors and resources.

``defs`` is a ``@dg.definitions`` function: Dagster calls it when it loads the code location,
so importing this module costs little more than importing dagster. Building the definitions
loads dagster-dbt and the dbt manifest (a few seconds), which commands such as
``phc-analytics status`` or ``db url`` never need.

Each layer exposes its own Definitions; they are merged here. Runs execute in one process, as
`phc-analytics run` does: Dagster's default executor starts a process per step, and each one
imports the code location (dbt manifest included), which costs more than most steps here (a
raw sync of a few changed records, one dbt build), and on a small machine kept a change from
reaching the marts within minutes.
"""

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    from phc_analytics.automation import automation_sensor
    from phc_analytics.ingestion import definitions as ingestion
    from phc_analytics.ingestion.progress import SyncProgress
    from phc_analytics.quality import definitions as quality
    from phc_analytics.resources import dbt_cli_resource, prestashop_resource, warehouse_resource
    from phc_analytics.transform import definitions as transform

    return dg.Definitions.merge(
        ingestion.ingestion_defs,
        transform.transform_defs,
        quality.quality_defs,
        dg.Definitions(
            executor=dg.in_process_executor,
            sensors=[automation_sensor],
            resources={
                # Chosen from the environment: PHC_DATABASE_URL or the embedded PostgreSQL,
                # PRESTASHOP_URL or the built-in demo shop.
                "warehouse": warehouse_resource(),
                "prestashop": prestashop_resource(),
                "dbt": dbt_cli_resource(),
                "sync_progress": SyncProgress(),
            },
        ),
    )
