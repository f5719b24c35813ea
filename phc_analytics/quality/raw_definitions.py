"""The checks on the raw tables alone: what `phc-analytics sync` runs with its raw assets.

Kept apart from quality.definitions, whose quality report depends on the dbt assets: importing
those loads dagster-dbt and the manifest, over a second of a sync's start-up."""

import dagster as dg

from phc_analytics.quality.raw_checks import build_all_raw_checks

raw_quality_defs = dg.Definitions(asset_checks=build_all_raw_checks())
