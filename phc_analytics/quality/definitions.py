"""Quality: checks on the raw layer and on the quarantine beyond dbt's tests, and the JSON
quality report."""

import dagster as dg

from phc_analytics.quality.assets import quality_report
from phc_analytics.quality.quarantine_check import no_quarantined_records
from phc_analytics.quality.raw_definitions import raw_quality_defs

quality_defs = dg.Definitions.merge(
    raw_quality_defs,
    dg.Definitions(assets=[quality_report], asset_checks=[no_quarantined_records]),
)
