"""`phc-analytics run`: materialize the whole asset graph once, in this process.

Partitioned assets get one single-run backfill from their first partition not yet loaded up to
today's (which reads from the watermark on), so a first run loads the shop's history and later
runs load what changed. The run is recorded in the project's Dagster instance and shows in the
UI next to scheduled runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

from phc_analytics.dagster_env import apply_dagster_environment

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# The name dg.materialize gives its job, so these runs show in the UI as they always have.
JOB_NAME = "__ephemeral_asset_job__"
LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"


@dataclass
class RunSummary:
    run_id: str | None
    success: bool
    partition_range: tuple[str, str] | None = None
    materialized: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    metadata: dict[str, dict] = field(default_factory=dict)
    error: str | None = None


# Dagster's OSS storage writes one "materialization planned" event per partition per asset, at
# about 25 ms each here (a new PostgreSQL connection per event). A first run over three years of
# daily partitions would spend minutes on that bookkeeping alone, so a run records at most this
# many recent partitions. It loses no data: the latest partition reads from the watermark, i.e.
# everything not loaded yet, whatever its day.
MAX_PARTITIONS_PER_RUN = 31


def partitions_to_load(
    all_keys: list[str],
    loaded_per_asset: list[set[str]],
    max_partitions: int = MAX_PARTITIONS_PER_RUN,
) -> tuple[str, str] | None:
    """From the first recent partition some asset has not loaded, to the last partition.

    The last partition is always included: it reads whatever changed since the watermark.
    """
    if not all_keys:
        return None
    recent = all_keys[-max_partitions:]
    missing = [key for key in recent if any(key not in loaded for loaded in loaded_per_asset)]
    return (missing[0] if missing else recent[-1]), recent[-1]


def run_assets(
    defs: dg.Definitions,
    selection: list[str | dg.AssetKey] | None = None,
    since: str | None = None,
    resource_overrides: dict | None = None,
    log_level: str = "INFO",
    log: TextIO | None = None,
    tags: dict[str, str] | None = None,
) -> RunSummary:
    """Materialize ``selection`` (default: everything) once.

    ``since`` (a partition key, YYYY-MM-DD) forces the partition range to start there: a
    backfill. Without it the range starts at the first partition not loaded yet. Dagster's run
    log goes to ``log`` when given (a step failure is some 90 lines of trace, which belong in a
    file), to the console otherwise.
    """
    apply_dagster_environment()
    assets = [*(defs.assets or []), *(defs.asset_checks or [])]
    if not assets:
        return RunSummary(run_id=None, success=True)
    graph = defs.resolve_asset_graph()
    selected = (
        {name if isinstance(name, dg.AssetKey) else dg.AssetKey(name) for name in selection}
        if selection
        else set(graph.materializable_asset_keys)
    )
    partitioned = [key for key in selected if graph.get(key).is_partitioned]
    with dg.DagsterInstance.get() as instance:
        tags = dict(tags or {})
        key_range = None
        if partitioned:
            partitions_def = graph.get(partitioned[0]).partitions_def
            all_keys = partitions_def.get_partition_keys()
            if since is not None:
                key_range = (_partition_at_or_after(all_keys, since), all_keys[-1])
            elif selection:
                key_range = (all_keys[-1], all_keys[-1])
            else:
                loaded = [instance.get_materialized_partitions(key) for key in partitioned]
                key_range = partitions_to_load(all_keys, loaded)
            if key_range:
                tags.update({RANGE_START_TAG: key_range[0], RANGE_END_TAG: key_range[1]})
        loggers = (
            {"console": dg.colored_console_logger}
            if log is None
            else {"run_log": stream_logger(log)}
        )
        job = dg.Definitions(
            jobs=[
                dg.define_asset_job(
                    JOB_NAME, selection=sorted(selected, key=dg.AssetKey.to_user_string)
                )
            ],
            assets=assets,
            resources={**(defs.resources or {}), **(resource_overrides or {})},
            loggers=loggers,
        ).resolve_job_def(JOB_NAME)
        with engine_warnings_to(log):
            result = job.execute_in_process(
                instance=instance,
                tags=tags,
                run_config={
                    "loggers": {name: {"config": {"log_level": log_level}} for name in loggers}
                },
                raise_on_error=False,
            )
    summary = RunSummary(result.run_id, result.success, key_range)
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        name = materialization.asset_key.to_user_string()
        if name not in summary.metadata:
            summary.materialized.append(name)
            summary.metadata[name] = {k: v.value for k, v in materialization.metadata.items()}
    summary.checks = [
        (f"{e.asset_key.to_user_string()}:{e.check_name}", e.passed)
        for e in result.get_asset_check_evaluations()
    ]
    if not result.success:
        summary.error = _first_failure(result)
    return summary


# Dagster's execution engine logs through the logging module, not the run's loggers: when a dbt
# layer has nothing to build it warns once per blocking check that "emitted no result", which
# would fill the terminal of a run that did nothing wrong.
ENGINE_LOGGER = "dagster._core.execution.plan.active"


@contextlib.contextmanager
def engine_warnings_to(stream: TextIO | None) -> Iterator[None]:
    """Send the engine's own log lines to ``stream`` (the run's log file) for the run."""
    if stream is None:
        yield
        return
    engine = logging.getLogger(ENGINE_LOGGER)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    engine.addHandler(handler)
    propagate, engine.propagate = engine.propagate, False
    try:
        yield
    finally:
        engine.propagate = propagate
        engine.removeHandler(handler)


def stream_logger(stream: TextIO) -> dg.LoggerDefinition:
    """A Dagster logger that writes the run log to ``stream`` (a log file) instead of stderr."""

    @dg.logger(config_schema={"log_level": dg.Field(str, default_value="INFO")})
    def run_log(init_context: dg.InitLoggerContext) -> logging.Logger:
        # Not registered with logging's manager: nothing else (root handlers, other runs)
        # writes through it, and it goes away with the run.
        logger = logging.Logger("phc_analytics.run", init_context.logger_config["log_level"])
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)
        return logger

    return run_log


def _partition_at_or_after(keys: list[str], since: str) -> str:
    from phc_analytics.errors import PhcError

    later = [key for key in keys if key >= since]
    if not later:
        raise PhcError(f"--since {since} is after the last partition ({keys[-1]})")
    return later[0]


def _first_failure(result) -> str | None:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            cause = error
            while cause is not None and cause.cause is not None:
                cause = cause.cause
            deepest = cause or error
            lines = deepest.message.strip().splitlines()
            message = lines[-1] if lines else "failed"
            # "package.module.SomeError: what happened" -> "what happened"
            prefix, _, rest = message.partition(": ")
            if rest and deepest.cls_name and prefix.endswith(deepest.cls_name):
                message = rest
            return f"{event.step_key}: {message}"
    return None
