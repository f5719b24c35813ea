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
