"""The machine-readable quality report: one entry per asset check, latest result first-class."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from phc_analytics import settings

ENV_QUALITY_REPORT = settings.ENV_QUALITY_REPORT
FAILING_COUNT_KEYS = ("failing_count", "dagster_dbt/failed_row_count")


def default_report_path() -> str:
    return os.environ.get(ENV_QUALITY_REPORT) or str(settings.phc_home() / "quality_report.json")


def entry(check_key, record, spec=None) -> dict:
    """A report entry from a check key and its latest execution record (or None).

    A check that has not run yet gets the severity its spec implies: in this project blocking
    checks are exactly the ERROR ones (raw keys, dbt tests configured `error`).
    """
    base = {
        "asset": check_key.asset_key.to_user_string(),
        "check": check_key.name,
        "status": "not_run",
        "severity": None if spec is None else ("ERROR" if spec.blocking else "WARN"),
        "failing_count": None,
        "example_ids": [],
        "run_id": None,
        "evaluated_at": None,
    }
    if record is None:
        return base
    base["run_id"] = record.run_id
    base["evaluated_at"] = datetime.fromtimestamp(record.create_timestamp, UTC).isoformat()
    status = record.status.value.lower()
    evaluation = None
    if record.event is not None and record.event.dagster_event is not None:
        evaluation = record.event.dagster_event.event_specific_data
    if evaluation is None or not hasattr(evaluation, "passed"):
        base["status"] = {"planned": "not_run"}.get(status, status)
        return base
    base["status"] = "passed" if evaluation.passed else "failed"
    base["severity"] = evaluation.severity.value
    metadata = {key: value.value for key, value in evaluation.metadata.items()}
    for key in FAILING_COUNT_KEYS:
        if key in metadata:
            base["failing_count"] = metadata[key]
            break
    base["example_ids"] = list(metadata.get("example_ids") or [])
    return base


def summarize(entries: list[dict]) -> dict:
    counts: dict[str, int] = {}
    for item in entries:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    blocking_failures = sum(
        1 for e in entries if e["status"] == "failed" and e["severity"] == "ERROR"
    )
    return {"checks": len(entries), **counts, "error_failures": blocking_failures}


def write_report(path: str | Path, entries: list[dict], shops: list[dict] | None = None) -> dict:
    """The report of ``entries``; ``shops`` (several shops: each shop's latest sync run, see
    shop_partitions.latest_shop_syncs) adds a `shops` section, and the summary names the shops
    whose latest sync failed: a shop that is down never materializes, so no check of it fails."""
    entries = sorted(entries, key=lambda e: (e["asset"], e["check"]))
    summary = summarize(entries)
    if shops is not None:
        summary["failing_shops"] = [s["shop"] for s in shops if s["status"] == "failure"]
    report = {
        "generated_at": datetime.now(UTC).isoformat(),
        "summary": summary,
        "checks": entries,
        **({"shops": shops} if shops is not None else {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str))
    tmp.replace(path)  # readers never see half a report
    return report


CHECK_RESULTS_TABLE = "analytics.check_results"


def store_report(conn, report: dict) -> int:
    """Replace the rows of analytics.check_results with ``report``'s entries, in one
    transaction: the dashboard and BI tools (which cannot read Dagster's storage) see the
    latest report whole, never half of it."""
    rows = [
        (
            e["asset"],
            e["check"],
            e["status"],
            e["severity"],
            e["failing_count"],
            json.dumps(list(e["example_ids"]), default=str),
            e["run_id"],
            e["evaluated_at"],
            report["generated_at"],
        )
        for e in report["checks"]
    ]
    with conn.transaction(), conn.cursor() as cur:
        # Two reports at once (a UI run beside a scheduled one): the second waits for the
        # first instead of inserting beside rows its DELETE could not see.
        cur.execute(f"LOCK TABLE {CHECK_RESULTS_TABLE} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {CHECK_RESULTS_TABLE}")
        cur.executemany(
            f"""INSERT INTO {CHECK_RESULTS_TABLE} (asset, check_name, status, severity,
                   failing_count, example_ids, run_id, evaluated_at, reported_at)
                VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)""",
            rows,
        )
    return len(rows)


def read_report(path: str | Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
