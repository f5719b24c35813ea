"""`dagster dev` loads the code location, with its instance in PostgreSQL."""

from pathlib import Path

import psycopg

from phc_analytics_tests.support.dagster_dev import dagster_dev


def test_dagster_dev_loads_the_code_location(empty_database: str, tmp_path: Path):
    with dagster_dev(empty_database, tmp_path) as dev:
        entries = dev.location_entries()
        assert [e["name"] for e in entries] == ["phc_analytics"]
        assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
    # The daemon and webserver kept their state in the test database, not in a temp folder.
    with psycopg.connect(empty_database) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
        heartbeats = conn.execute("SELECT count(*) FROM daemon_heartbeats").fetchone()[0]
    assert {"runs", "event_logs", "daemon_heartbeats"} <= tables
    assert heartbeats > 0
