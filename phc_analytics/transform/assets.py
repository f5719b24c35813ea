"""The dbt models as Dagster assets, their dbt tests as asset checks.

Two multi-assets, both unpartitioned: the staging tables (incremental, cheap to re-run: they
only read what raw received since their last build) and the analytics materialized views
(refreshed CONCURRENTLY). Splitting them lets a failing ERROR test on staging block the marts
(dagster-dbt models ERROR-severity tests as blocking checks) and keeps the two refresh policies
apart in the UI. `dbt build` runs each model's tests right after it; streaming the events turns
every test into an asset check result as soon as it finishes.

Neither layer rebuilds anything when its inputs did not change (transform/changes.py): the step
then materializes nothing, says why in its log, and the marts downstream are skipped with it.
"""

import contextlib
import datetime as dt
import json
from collections.abc import Iterator

import dagster as dg
import psycopg
from dagster_dbt import dbt_assets

from phc_analytics.transform import changes, store_selection
from phc_analytics.transform.project import dbt_project, manifest_path
from phc_analytics.transform.resources import PhcDbtCliResource
from phc_analytics.transform.translator import PhcDbtTranslator
from phc_analytics.warehouse.connection import open_connection

STAGING_SELECT = "path:models/staging"
ANALYTICS_SELECT = "path:models/analytics"
# One dbt build at a time (dagster.yaml limits every pool to one run): automation can launch a
# staging refresh while the previous run still builds and tests the marts, and a mart's
# reconciliation test (fct_order_lines = stg_order_rows) then compares a view refreshed before
# the other run's staging changes with the table after them, and fails the run.
DBT_POOL = "dbt_build"
# The advisory lock every dbt step holds in the warehouse (one_dbt_build_at_a_time); any
# constant works, this one spells "phcdbt".
DBT_LOCK_KEY = int.from_bytes(b"phcdbt", "big")


class DbtConfig(dg.Config):
    """Run config of the dbt assets."""

    full_refresh: bool = False
    """Rebuild instead of refreshing. Needed for the marts when a view's SQL changed (dbt cannot
    detect it and would only refresh the old definition), and for staging after a column change.
    A staging full refresh drops the tables the marts read (dbt swaps them in with DROP ...
    CASCADE), so select the marts in the same run: they are recreated right after."""

    force: bool = False
    """Build even when nothing changed since the last build (a full refresh always builds)."""

    test_every_row: bool = False
    """Run every per-row test on the whole table, not only on the rows written since it last
    passed (macros/test_scope.sql). For a table edited outside dbt; a full refresh does it too."""


def dbt_build_args(config: DbtConfig) -> list[str]:
    args = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    if config.test_every_row:
        args += ["--vars", json.dumps({"test_every_row": True})]
    return args


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


def relation_name(key: dg.AssetKey) -> str:
    """``staging/stg_orders`` -> ``staging.stg_orders`` (the translator maps schema/model)."""
    return ".".join(key.path)


def _stream(
    context: dg.AssetExecutionContext, dbt: PhcDbtCliResource, config: DbtConfig
) -> Iterator:
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
def dbt_staging(context: dg.AssetExecutionContext, dbt: PhcDbtCliResource, config: DbtConfig):
    models = sorted(relation_name(key) for key in context.selected_asset_keys)
    with one_dbt_build_at_a_time(context, dbt) as conn:
        store_selection.write_selection(conn, store_selection.configured_selection())
        reason = changes.upgrade_reason(conn, "staging") or store_selection.changed_reason(
            conn, models
        )
        config = _upgrade(context, config, reason)
        decision = changes.staging_decision(conn, models)
        # Taken before dbt starts: the watermark the next run compares raw with.
        snapshot = changes.current_snapshot(conn)
        if not _should_build(context, config, decision):
            return
        started = dt.datetime.now(dt.UTC)
        built: list[str] = []
        for event in _stream(context, dbt, config):
            if isinstance(event, dg.Output):
                built.append(relation_name(context.asset_key_for_output(event.output_name)))
            yield event
        changes.log_staging_builds(conn, built, snapshot, started, context.run.run_id)


@dbt_assets(
    manifest=manifest_path(),
    project=dbt_project,
    select=ANALYTICS_SELECT,
    dagster_dbt_translator=PhcDbtTranslator(),
    name="dbt_analytics",
    pool=DBT_POOL,
)
def dbt_analytics(context: dg.AssetExecutionContext, dbt: PhcDbtCliResource, config: DbtConfig):
    marts = sorted(relation_name(key) for key in context.selected_asset_keys)
    staging = sorted(relation_name(key) for key in dbt_staging.keys)
    with one_dbt_build_at_a_time(context, dbt) as conn:
        store_selection.write_selection(conn, store_selection.configured_selection())
        reason = changes.upgrade_reason(conn, "analytics") or store_selection.changed_reason(
            conn, marts
        )
        config = _upgrade(context, config, reason)
        decision = changes.analytics_decision(conn, marts, staging)
        if not _should_build(context, config, decision):
            return
        yield from _stream(context, dbt, config)


@contextlib.contextmanager
def one_dbt_build_at_a_time(
    context: dg.AssetExecutionContext, dbt: PhcDbtCliResource
) -> Iterator[psycopg.Connection]:
    """Hold the warehouse's dbt lock for the whole step, on a connection of its own.

    The dbt_build pool keeps Dagster from starting two dbt steps at once, but not every time (two
    runs dequeued in the same daemon iteration both started theirs), and not against a
    `phc-analytics run` in another process. Two builds creating the same tables fail ("relation
    already exists"); under this lock the second one waits, then asks what changed and usually
    finds nothing left to do. The lock goes with the connection, whatever ends the step.
    """
    with open_connection(dbt.warehouse_url(), autocommit=True) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (DBT_LOCK_KEY,)).fetchone()[0]:
            context.log.info("another dbt build holds the warehouse's dbt lock: waiting for it")
            conn.execute("SELECT pg_advisory_lock(%s)", (DBT_LOCK_KEY,))
        yield conn


def _upgrade(context: dg.AssetExecutionContext, config: DbtConfig, reason: str | None) -> DbtConfig:
    """A warehouse built by an earlier version is rebuilt whole once (changes.upgrade_reason)."""
    if reason is None or config.full_refresh:
        return config
    context.log.warning(f"full refresh to upgrade the warehouse: {reason}")
    return DbtConfig(full_refresh=True, force=config.force, test_every_row=config.test_every_row)


def _should_build(
    context: dg.AssetExecutionContext, config: DbtConfig, decision: changes.Decision
) -> bool:
    if config.full_refresh or config.force:
        context.log.info(f"dbt build (forced by the run config; {decision.reason})")
        return True
    context.log.info(f"dbt {'build' if decision.build else 'skipped'}: {decision.reason}")
    return decision.build


# A skipped build materializes nothing, which Dagster allows only for outputs marked skippable;
# the assets downstream of a skipped step are skipped too.
dbt_staging = dbt_staging.map_asset_specs(lambda spec: spec.replace_attributes(skippable=True))
dbt_analytics = dbt_analytics.map_asset_specs(lambda spec: spec.replace_attributes(skippable=True))
