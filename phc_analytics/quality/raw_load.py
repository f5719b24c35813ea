"""What the raw checks compare with, read from Dagster's instance rather than the warehouse.

A raw check looks at the versions one run wrote (``raw.*.run_id`` is indexed), and that run is
the asset's latest materialization: its metadata also holds the cursor range the sync asked
the shop for. The row count a check saw last time is in the check's own history. Keeping that
history in Dagster's storage, not in the warehouse, is what lets a restored, truncated or
swapped warehouse be noticed: the record of what it held does not go with it. Both work the
same in ``dagster dev``, in ``phc-analytics run`` and in tests that share one instance between
runs; an ephemeral instance (``dg.materialize`` without one) has no earlier count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import dagster as dg
import psycopg
from psycopg import sql

# How far back to look for an evaluation: the newest records can be this run's planned one and
# runs where the check was skipped or raised, which carry no count.
HISTORY_DEPTH = 10


@dataclass(frozen=True)
class Load:
    """The run whose versions are checked, and the inclusive cursor range it read (None for
    reference resources, or when the run read nothing). ``recorded`` is False when no
    materialization was found and the run was inferred from the table: its range is unknown.
    ``shop`` is the installation it read: the checks that compare with earlier loads or count
    ids look at that shop's rows only."""

    run_id: str | None
    read_from: datetime | None = None
    read_to: datetime | None = None
    recorded: bool = True
    shop: str | None = None  # the installation the run read; None: unknown (older metadata)


def latest_load(
    instance: dg.DagsterInstance,
    asset_key: dg.AssetKey,
    conn: psycopg.Connection,
    table: sql.Composable,
    run_id: str | None = None,
) -> Load:
    """The asset's materialization in the run ``run_id`` (the checks' own run), else its latest
    one; with none recorded (checks run on an instance that never materialized the asset), the
    run that wrote the newest row, window unknown. The run's own first: with several shops,
    runs of two shops' partitions may end side by side, and the latest materialization can be
    the other shop's."""
    event = _materialization_in_run(instance, asset_key, run_id) if run_id else None
    event = event or instance.get_latest_materialization_event(asset_key)
    if event is not None and event.asset_materialization is not None:
        metadata = event.asset_materialization.metadata
        shop = getattr(metadata.get("shop"), "value", None)
        return Load(
            event.run_id,
            _timestamp(metadata, "read_from"),
            _timestamp(metadata, "read_to"),
            shop=shop if isinstance(shop, str) else None,
        )
    newest = conn.execute(
        sql.SQL("SELECT run_id, shop FROM {} ORDER BY load_xid DESC LIMIT 1").format(table)
    ).fetchone()
    if newest is None:
        return Load(None, recorded=False)
    return Load(newest[0], recorded=False, shop=newest[1])


def _materialization_in_run(instance: dg.DagsterInstance, asset_key: dg.AssetKey, run_id: str):
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, ascending=False
    ).records
    for record in records:
        entry = record.event_log_entry
        if (
            entry.asset_materialization is not None
            and entry.asset_materialization.asset_key == asset_key
        ):
            return entry
    return None


def _timestamp(metadata: dict, key: str) -> datetime | None:
    value = metadata.get(key)
    text = getattr(value, "value", None)
    return datetime.fromisoformat(text) if isinstance(text, str) else None


@dataclass(frozen=True)
class RecordedCount:
    rows: int
    run_id: str


def previous_row_count(
    instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, metadata_key: str
) -> RecordedCount | None:
    """``metadata_key`` of the check's latest evaluation before this one (this run's own is
    still only planned), or None before the first one."""
    history = instance.event_log_storage.get_asset_check_execution_history(
        check_key, limit=HISTORY_DEPTH
    )
    for record in history:
        evaluation = record.evaluation  # for a planned record, the plan: no metadata
        if not isinstance(evaluation, dg.AssetCheckEvaluation):
            continue
        value = evaluation.metadata.get(metadata_key)
        if value is not None and isinstance(value.value, int):
            return RecordedCount(value.value, record.run_id)
    return None
