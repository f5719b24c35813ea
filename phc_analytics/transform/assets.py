"""The dbt models as Dagster assets, their dbt tests as asset checks.

Two multi-assets, both unpartitioned: the staging tables (incremental, cheap to re-run: they
only read what raw received since their last build) and the analytics materialized views
(refreshed CONCURRENTLY). Splitting them lets a failing ERROR test on staging block the marts
(dagster-dbt models ERROR-severity tests as blocking checks) and keeps the two refresh policies
apart in the UI. `dbt build` runs each model's tests right after it; streaming the events turns
every test into an asset check result as soon as it finishes.
"""

from collections.abc import Iterator

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from phc_analytics.transform.project import dbt_project, manifest_path
from phc_analytics.transform.translator import PhcDbtTranslator

STAGING_SELECT = "path:models/staging"
ANALYTICS_SELECT = "path:models/analytics"
# One dbt build at a time (dagster.yaml limits every pool to one run): automation can launch a
# staging refresh while the previous run still builds and tests the marts, and a mart's
# reconciliation test (fct_order_lines = stg_order_rows) then compares a view refreshed before
# the other run's staging changes with the table after them, and fails the run.
DBT_POOL = "dbt_build"


class DbtConfig(dg.Config):
    """Run config of the dbt assets."""

    full_refresh: bool = False
    """Rebuild instead of refreshing. Needed for the marts when a view's SQL changed (dbt cannot
    detect it and would only refresh the old definition), and for staging after a column change.
    A staging full refresh drops the tables the marts read (dbt swaps them in with DROP ...
    CASCADE), so select the marts in the same run: they are recreated right after."""


def dbt_build_args(config: DbtConfig) -> list[str]:
    return ["build", "--full-refresh"] if config.full_refresh else ["build"]


def configured_severity(
    result: dg.AssetCheckResult, spec: dg.AssetCheckSpec | None
) -> dg.AssetCheckSeverity:
    """The severity the test's yml gives it, pass or fail.

    dagster-dbt reports WARN only for a test that ended in dbt's `warn` status, so every
    passing test, `severity: warn` ones too, came out ERROR. It marks exactly the tests whose
    configured severity is error as blocking (dagster_dbt.asset_utils), which is what is read
    back here; a `warn` result (severity warn, or an error test under its warn_if) stays WARN.
    """
    if result.severity == dg.AssetCheckSeverity.WARN or (spec is not None and not spec.blocking):
        return dg.AssetCheckSeverity.WARN
    return dg.AssetCheckSeverity.ERROR


def _stream(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtConfig) -> Iterator:
    specs = {spec.key: spec for spec in context.assets_def.check_specs}
    for event in dbt.cli(dbt_build_args(config), context=context).stream():
        if isinstance(event, dg.AssetCheckResult) and event.asset_key is not None:
            spec = specs.get(dg.AssetCheckKey(event.asset_key, event.check_name or ""))
            event = event._replace(severity=configured_severity(event, spec))
        yield event


@dbt_assets(
    manifest=manifest_path(),
    project=dbt_project,
    select=STAGING_SELECT,
    dagster_dbt_translator=PhcDbtTranslator(),
    name="dbt_staging",
    pool=DBT_POOL,
)
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtConfig):
    yield from _stream(context, dbt, config)


@dbt_assets(
    manifest=manifest_path(),
    project=dbt_project,
    select=ANALYTICS_SELECT,
    dagster_dbt_translator=PhcDbtTranslator(),
    name="dbt_analytics",
    pool=DBT_POOL,
)
def dbt_analytics(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtConfig):
    yield from _stream(context, dbt, config)
