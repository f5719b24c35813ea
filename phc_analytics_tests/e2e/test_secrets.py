"""The shop key and the database passwords appear nowhere in what a run produces."""

from pathlib import Path

import psycopg

from phc_analytics_tests.e2e.conftest import PASSWORD


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_size < 50_000_000]


def test_secrets_never_leak_into_output_logs_metadata_or_reports(pipeline):
    run = pipeline.first_run
    assert run.returncode == 0, run.stderr[-3000:]
    produced = run.stdout + run.stderr
    for path in files_under(pipeline.work):
        # The demo shop keeps its key in its database, as a real shop does (also in SQLite's
        # -wal and -shm files once the shop has been edited).
        if ".sqlite" not in path.name:
            produced += path.read_bytes().decode(errors="replace")
    with psycopg.connect(pipeline.dagster) as conn:
        # Every event Dagster stored (logs, materialization metadata, errors) and every run
        # record (run config, tags).
        produced += "".join(e for (e,) in conn.execute("SELECT event FROM event_logs"))
        produced += "".join(b for (b,) in conn.execute("SELECT run_body FROM runs"))
    assert (pipeline.work / "report.json").exists()
    assert len(produced) > 100_000
    for secret in (PASSWORD, pipeline.server.ws_key):
        assert secret not in produced
