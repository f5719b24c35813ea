"""Dagster's own instance lives in PostgreSQL and is found through .env by a bare `dagster dev`."""

from pathlib import Path

import dagster as dg
import pytest

from phc_analytics import settings
from phc_analytics.dagster_env import (
    DOTENV_HEADER,
    dagster_environment,
    merge_dotenv,
    write_dotenv,
)
from phc_analytics.warehouse.location import to_sqlalchemy


def test_merge_dotenv_replaces_ours_and_keeps_the_users_lines():
    existing = f"{DOTENV_HEADER}DAGSTER_PG_URL=old\nMY_VAR=1\n"
    merged = merge_dotenv(existing, {"DAGSTER_HOME": "/x"}, {"DAGSTER_HOME", "DAGSTER_PG_URL"})
    lines = merged.splitlines()
    assert lines[0] == DOTENV_HEADER.strip()
    assert "DAGSTER_HOME=/x" in lines and "MY_VAR=1" in lines
    assert not any(line.startswith("DAGSTER_PG_URL") for line in lines)
    assert merged.count(DOTENV_HEADER.strip()) == 1


def test_user_exported_url_never_lands_in_dotenv(monkeypatch, tmp_path: Path):
    secret_url = "postgresql://dagster:hunter2@db.example.com:5432/dagster"
    monkeypatch.setenv(settings.ENV_DAGSTER_PG_URL, secret_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("PHC_DAGSTER_STORAGE", str(tmp_path / "s"))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "10")
    env, derived = dagster_environment()
    assert env[settings.ENV_DAGSTER_PG_URL].startswith("postgresql+psycopg2://")
    assert derived == set()
    written = write_dotenv(tmp_path / ".env").read_text()
    assert "hunter2" not in written


@dg.asset
def probe_asset() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"probe": 1})


def test_instance_stores_runs_and_events_in_postgres(monkeypatch, tmp_path, empty_database):
    monkeypatch.setenv("DAGSTER_HOME", str(settings.project_root()))
    monkeypatch.setenv("PHC_DAGSTER_STORAGE", str(tmp_path))
    monkeypatch.setenv(settings.ENV_DAGSTER_PG_URL, to_sqlalchemy(empty_database))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize([probe_asset], instance=instance)
        assert result.success
    # A second process-like instance reads back what the first wrote.
    with dg.DagsterInstance.get() as reopened:
        record = reopened.get_latest_materialization_event(dg.AssetKey("probe_asset"))
        assert record is not None and record.run_id == result.run_id
        assert reopened.get_run_by_id(result.run_id).is_success


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_bare_scheme_is_pinned_to_psycopg2(scheme):
    assert to_sqlalchemy(f"{scheme}://u@h/d").startswith("postgresql+psycopg2://")
