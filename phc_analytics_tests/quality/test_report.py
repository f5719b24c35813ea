"""The quality report's shape, from check results as Dagster records them."""

import json

import dagster as dg

from phc_analytics.quality.report import read_report, summarize, write_report


def test_report_is_written_atomically_with_a_summary(tmp_path):
    entries = [
        {"asset": "b", "check": "x", "status": "failed", "severity": "ERROR",
         "failing_count": 3, "example_ids": [1, 2, 3], "run_id": "r", "evaluated_at": None},
        {"asset": "a", "check": "y", "status": "passed", "severity": "WARN",
         "failing_count": 0, "example_ids": [], "run_id": "r", "evaluated_at": None},
        {"asset": "a", "check": "z", "status": "not_run", "severity": None,
         "failing_count": None, "example_ids": [], "run_id": None, "evaluated_at": None},
    ]  # fmt: skip
    path = tmp_path / "nested" / "report.json"
    write_report(path, entries)
    report = json.loads(path.read_text())
    assert [c["asset"] + c["check"] for c in report["checks"]] == ["ay", "az", "bx"]
    assert report["summary"] == summarize(entries)
    assert report["summary"]["error_failures"] == 1
    assert report["summary"]["failed"] == 1 and report["summary"]["not_run"] == 1
    assert read_report(path) == report
    assert read_report(tmp_path / "missing.json") is None
    assert not list(path.parent.glob("*.tmp"))


def test_entries_come_from_real_check_evaluations(tmp_path):
    from phc_analytics.quality.report import entry

    @dg.asset
    def thing():
        return 1

    @dg.asset_check(asset=thing)
    def broken(context) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"failing_count": 2, "example_ids": [7, 9]},
        )

    @dg.asset_check(asset=thing)
    def fine(context) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True, metadata={"failing_count": 0})

    with dg.instance_for_test() as instance:
        dg.materialize([thing, broken, fine], instance=instance)
        keys = [broken.check_key, fine.check_key, dg.AssetCheckKey(thing.key, "never_ran")]
        records = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
        got = {e["check"]: e for e in (entry(k, records.get(k)) for k in keys)}
        blocking = dg.AssetCheckSpec("never_ran", asset=thing, blocking=True)
        not_run_blocking = entry(keys[2], records.get(keys[2]), blocking)
    assert got["broken"]["status"] == "failed" and got["broken"]["severity"] == "WARN"
    assert got["broken"]["failing_count"] == 2 and got["broken"]["example_ids"] == [7, 9]
    assert got["fine"]["status"] == "passed" and got["fine"]["severity"] == "ERROR"
    assert got["never_ran"]["status"] == "not_run" and got["never_ran"]["severity"] is None
    assert not_run_blocking["status"] == "not_run" and not_run_blocking["severity"] == "ERROR"
