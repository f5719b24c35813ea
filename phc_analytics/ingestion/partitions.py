"""Daily partitions of the raw assets: day D holds the records whose cursor fell on day D
(shop-local calendar)."""

from __future__ import annotations

import os
from datetime import date, datetime

import dagster as dg

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.ingestion.windows import SyncRequest

# The demo shop keeps three years of history; without PHC_START_DATE the partitions start on the
# first of January three years back, which covers it and moves only once a year.
DEFAULT_HISTORY_YEARS = 3


def start_date(today: date | None = None) -> str:
    configured = os.environ.get(settings.ENV_START_DATE)
    if configured:
        try:
            return date.fromisoformat(configured).isoformat()
        except ValueError:
            raise PhcError(
                f"{settings.ENV_START_DATE}={configured!r} is not a date; use YYYY-MM-DD,"
                " e.g. 2023-01-01"
            ) from None
    today = today or date.today()
    return date(today.year - DEFAULT_HISTORY_YEARS, 1, 1).isoformat()


def daily_partitions() -> dg.DailyPartitionsDefinition:
    # end_offset=1: today is a partition, so the frequent sync has somewhere to land.
    return dg.DailyPartitionsDefinition(start_date=start_date(), end_offset=1)


def request_for(context: dg.AssetExecutionContext) -> SyncRequest:
    """The read a run asks for: from its partition range (or everything, when unpartitioned)."""
    partitions_def = context.assets_def.partitions_def
    # An unpartitioned asset can still run inside a partition-range run (`phc-analytics run`).
    if partitions_def is None or not context.has_partition_key_range:
        return SyncRequest.everything()
    window = context.partition_time_window
    last_key = partitions_def.get_last_partition_key()
    keys = context.partition_key_range
    return SyncRequest(
        range_start=_naive(window.start),
        range_end=_naive(window.end),
        latest=keys.end == last_key,
        from_watermark=keys.start == keys.end == last_key,
    )


def _naive(value: datetime) -> datetime:
    # Partition boundaries are UTC midnights; the shop's cursor values carry no offset and are
    # read as shop-local dates.
    return value.replace(tzinfo=None)
