"""The main job as a user sees it: summary, KPIs, status, and reconciliation with the shop."""

import json

import psycopg

from phc_analytics.demo_shop import advance_shop
from phc_analytics_tests.support.databases import with_user


def test_run_prints_the_sync_the_kpis_and_the_checks(pipeline):
    out = pipeline.first_run
    assert out.returncode == 0, out.stderr[-3000:]
    for expected in ("raw_orders", "staging and analytics models built", "checks:",
                     "last 30 days: net revenue", "top 5 products"):  # fmt: skip
        assert expected in out.stdout, expected


def test_a_run_with_no_change_in_the_shop_rebuilds_no_model_and_says_so(pipeline):
    idle = pipeline.cli("run")
    assert idle.returncode == 0, idle.stderr[-3000:]
    assert "no new data since the last build: no staging or analytics model rebuilt" in (
        idle.stdout
    )
    assert "models built" not in idle.stdout
    # Dagster's engine notes every blocking check the skipped builds did not run: in the run's
    # log file, not on the terminal.
    assert "Blocking asset check" not in idle.stdout + idle.stderr
    log = (pipeline.work / "phc" / "logs" / "last_run.log").read_text()
    assert "Blocking asset check" in log and "dbt skipped: no raw row arrived" in log


def test_status_prints_the_latest_quality_report(pipeline):
    out = pipeline.cli("status", "--all")
    assert out.returncode == 0, out.stderr
    assert "raw_orders" in out.stdout and "payload_id_matches" in out.stdout
    assert "checks:" in out.stdout and "blocking (ERROR) failures" in out.stdout
    # Passing dbt tests carry the severity their yml sets, not ERROR for all.
    report = json.loads((pipeline.work / "report.json").read_text())
    dbt_checks = [c for c in report["checks"] if c["asset"].startswith(("staging/", "analytics/"))]
    passing = {c["severity"] for c in dbt_checks if c["status"] == "passed"}
    assert passing == {"ERROR", "WARN"}
    # The same report in the warehouse, for the dashboard and BI tools (as phc_bi).
    with psycopg.connect(with_user(pipeline.warehouse, "phc_bi")) as bi:
        stored = bi.execute(
            "SELECT asset, check_name, status, severity FROM analytics.check_results"
        ).fetchall()
    assert sorted(stored) == sorted(
        (c["asset"], c["check"], c["status"], c["severity"]) for c in report["checks"]
    )


def test_reconcile_matches_then_catches_drift_then_matches_again(pipeline):
    clean = pipeline.cli("reconcile")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "reconciled" in clean.stdout

    advance_shop(pipeline.shop, hours=48)  # the shop moves on; the warehouse has not synced
    drift = pipeline.cli("reconcile")
    assert drift.returncode == 1
    assert "differences" in drift.stdout and "orders" in drift.stdout

    rerun = pipeline.cli("run")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    again = pipeline.cli("reconcile")
    assert again.returncode == 0, again.stdout + again.stderr
