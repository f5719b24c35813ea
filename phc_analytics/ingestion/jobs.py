"""The sync job: every raw asset (the reference ones are read whole whatever the partition)."""

import dagster as dg

from phc_analytics.ingestion.assets import RAW_GROUP

raw_sync_job = dg.define_asset_job(
    name="raw_sync",
    selection=dg.AssetSelection.groups(RAW_GROUP),
    description="Read the shop into raw.*: the partition's days, or from the watermark on.",
)
