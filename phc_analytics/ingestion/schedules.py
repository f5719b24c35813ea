"""When the raw assets run without anyone asking."""

from datetime import timedelta

import dagster as dg

from phc_analytics import settings
from phc_analytics.ingestion.jobs import raw_sync_job
from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_IF_DUE, SWEEP_TAG


def _partition_key(when) -> str:
    return when.strftime("%Y-%m-%d")


@dg.schedule(
    name="hourly_raw_sync",
    cron_schedule="5 * * * *",
    job=raw_sync_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every hour: today's partition, i.e. everything changed since the watermark.",
)
def hourly_raw_sync(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    key = _partition_key(context.scheduled_execution_time)
    return dg.RunRequest(
        run_key=f"hourly-{context.scheduled_execution_time:%Y%m%d%H}", partition_key=key
    )


@dg.schedule(
    name="nightly_raw_resweep",
    cron_schedule="30 2 * * *",
    job=raw_sync_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night: re-read yesterday whole, to catch changes the hourly runs missed"
    " (late writes in the same second, clock changes), and sweep every resource's ids for"
    " records deleted in the shop.",
)
def nightly_raw_resweep(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    yesterday = context.scheduled_execution_time - timedelta(days=1)
    return dg.RunRequest(
        run_key=f"resweep-{_partition_key(yesterday)}",
        partition_key=_partition_key(yesterday),
        tags={SWEEP_TAG: SWEEP_ALWAYS},
    )


def build_delete_sweep_schedule() -> dg.ScheduleDefinition:
    """The delete sweep on its own cron (``PHC_SWEEP_CRON``): today's sync, then a sweep of
    every resource not swept in the last 50 minutes (by default, the nightly re-read has just
    swept them all, and this run only syncs)."""

    @dg.schedule(
        name="delete_sweep",
        cron_schedule=settings.sweep_cron(),
        job=raw_sync_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="List every id of the shop and tombstone the records it deleted"
        f" (cron from {settings.ENV_SWEEP_CRON}).",
    )
    def delete_sweep(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        key = _partition_key(context.scheduled_execution_time)
        return dg.RunRequest(
            run_key=f"sweep-{context.scheduled_execution_time:%Y%m%d%H%M}",
            partition_key=key,
            tags={SWEEP_TAG: SWEEP_IF_DUE},
        )

    return delete_sweep
