"""The console script as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from phc_analytics import settings

CLI = str(Path(sys.executable).parent / "phc-analytics")


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=full_env, timeout=300)


def test_help_lists_the_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    for command in ("run", "migrate", "dev", "shop", "db"):
        assert f"  {command} " in out.stdout


@pytest.mark.server
def test_migrate_against_a_given_server(empty_database: str):
    first = run_cli("migrate", env={settings.ENV_DATABASE_URL: empty_database})
    assert first.returncode == 0, first.stderr
    assert "applied 001_schemas.sql" in first.stdout
    again = run_cli("migrate", env={settings.ENV_DATABASE_URL: empty_database})
    assert again.returncode == 0 and "up to date" in again.stdout


def test_unreachable_database_is_one_line_without_traceback():
    out = run_cli(
        "migrate", env={settings.ENV_DATABASE_URL: "postgresql://u:hunter2@127.0.0.1:1/x"}
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "hunter2" not in out.stderr + out.stdout
