"""The sync jobs: every raw asset (the reference ones are read whole whatever the partition),
alone or followed by staging and the marts in the same run."""

import dagster as dg

from phc_analytics.ingestion.assets import RAW_GROUP

raw_sync_job = dg.define_asset_job(
    name="raw_sync",
    selection=dg.AssetSelection.groups(RAW_GROUP),
    description="Read the shop into raw.*: the partition's days, or from the watermark on.",
)

# The shop-change sensor's job: the sync, then staging and the marts in the same run. Three runs
# chained by the automation sensor (raw, then staging, then the marts) each waited for a tick and
# started a process that loads the code location; one run carries a change to the marts in about
# half the time. Selected by group, so the raw layer does not import the dbt assets.
shop_refresh_job = dg.define_asset_job(
    name="shop_refresh",
    selection=dg.AssetSelection.groups(RAW_GROUP, "staging", "analytics"),
    description="Read the shop into raw.* from the watermark on, then refresh staging and the"
    " marts (each dbt layer builds only if its inputs changed).",
)
