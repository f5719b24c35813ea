"""Everything the raw layer contributes to the code location."""

import dagster as dg

from phc_analytics.ingestion.assets import build_raw_assets
from phc_analytics.ingestion.jobs import raw_sync_job, shop_refresh_job
from phc_analytics.ingestion.schedules import (
    build_delete_sweep_schedule,
    hourly_raw_sync,
    nightly_raw_resweep,
)
from phc_analytics.ingestion.sensors import shop_change_sensor

ingestion_defs = dg.Definitions(
    assets=build_raw_assets(),
    jobs=[raw_sync_job, shop_refresh_job],
    schedules=[hourly_raw_sync, nightly_raw_resweep, build_delete_sweep_schedule()],
    sensors=[shop_change_sensor],
)


def shop_ingestion_defs(shops: tuple[str, ...]) -> dg.Definitions:
    """The same for a code location with several shops (ingestion/shop_partitions.py)."""
    from phc_analytics.ingestion.shop_partitions import (
        build_shop_change_sensor,
        build_shop_raw_assets,
        build_shop_schedules,
    )

    return dg.Definitions(
        assets=build_shop_raw_assets(shops),
        jobs=[raw_sync_job, shop_refresh_job],
        schedules=build_shop_schedules(shops),
        sensors=[build_shop_change_sensor(shops)],
    )
