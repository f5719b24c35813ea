"""When the raw assets run without anyone asking.

Each schedule names a day (and a sweep tag); ``requests`` turns that into run requests: one
for the day's partition with a single shop, one per shop with several
(ingestion/shop_partitions.py)."""

from collections.abc import Callable
from datetime import timedelta

import dagster as dg

from phc_analytics import settings
from phc_analytics.ingestion.jobs import raw_sync_job
from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_IF_DUE, SWEEP_TAG

# (day as YYYY-MM-DD, run key, tags) -> what the schedule returns.
Requests = Callable[[str, str, dict], dg.RunRequest | list[dg.RunRequest]]


def _partition_key(when) -> str:
    return when.strftime("%Y-%m-%d")


def one_partition(day: str, run_key: str, tags: dict) -> dg.RunRequest:
    return dg.RunRequest(run_key=run_key, partition_key=day, tags=tags)


def build_hourly_raw_sync(requests: Requests = one_partition) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="hourly_raw_sync",
        cron_schedule="5 * * * *",
        job=raw_sync_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every hour: today's partition, i.e. everything changed since the watermark"
        " (with several shops, a run per shop).",
    )
    def hourly_raw_sync(context: dg.ScheduleEvaluationContext):
        when = context.scheduled_execution_time
        return requests(_partition_key(when), f"hourly-{when:%Y%m%d%H}", {})

    return hourly_raw_sync


def build_nightly_raw_resweep(requests: Requests = one_partition) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_raw_resweep",
        cron_schedule="30 2 * * *",
        job=raw_sync_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night: re-read yesterday whole, to catch changes the hourly runs"
        " missed (late writes in the same second, clock changes), and sweep every resource's"
        " ids for records deleted in the shop (with several shops, a run per shop).",
    )
    def nightly_raw_resweep(context: dg.ScheduleEvaluationContext):
        yesterday = _partition_key(context.scheduled_execution_time - timedelta(days=1))
        return requests(yesterday, f"resweep-{yesterday}", {SWEEP_TAG: SWEEP_ALWAYS})

    return nightly_raw_resweep


def build_delete_sweep_schedule(requests: Requests = one_partition) -> dg.ScheduleDefinition:
    """The delete sweep on its own cron (``PHC_SWEEP_CRON``): today's sync, then a sweep of
    every resource not swept in the last 50 minutes (by default, the nightly re-read has just
    swept them all, and this run only syncs)."""

    @dg.schedule(
        name="delete_sweep",
        cron_schedule=settings.sweep_cron(),
        job=raw_sync_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="List every id of the shop and tombstone the records it deleted"
        f" (cron from {settings.ENV_SWEEP_CRON}; with several shops, a run per shop).",
    )
    def delete_sweep(context: dg.ScheduleEvaluationContext):
        when = context.scheduled_execution_time
        return requests(_partition_key(when), f"sweep-{when:%Y%m%d%H%M}", {SWEEP_TAG: SWEEP_IF_DUE})

    return delete_sweep


def build_schedules(requests: Requests = one_partition) -> list[dg.ScheduleDefinition]:
    return [
        build_hourly_raw_sync(requests),
        build_nightly_raw_resweep(requests),
        build_delete_sweep_schedule(requests),
    ]


hourly_raw_sync = build_hourly_raw_sync()
nightly_raw_resweep = build_nightly_raw_resweep()
