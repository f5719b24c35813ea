"""`phc-analytics export` as a user runs it: logged in as phc_bi, a summary, one-line errors."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from phc_analytics import settings
from phc_analytics.export.run import bi_url

CLI = str(Path(sys.executable).parent / "phc-analytics")


def run_export(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, settings.ENV_DATABASE_URL: url}
    # The test servers trust local logins: the role's password is not needed.
    env.pop(settings.ENV_BI_PASSWORD, None)
    return subprocess.run(
        [CLI, "export", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_export_logs_in_as_the_bi_role(monkeypatch):
    monkeypatch.setenv(settings.ENV_DATABASE_URL, "postgresql://admin:secret@db.example:5433/wh")
    monkeypatch.setenv(settings.ENV_BI_PASSWORD, "bi secret")
    assert conninfo_to_dict(bi_url()) == {
        "user": "phc_bi", "password": "bi secret", "host": "db.example", "port": "5433",
        "dbname": "wh",
    }  # fmt: skip


@pytest.mark.server
def test_export_skips_what_phc_bi_may_not_read_and_refuses_it_by_name(
    migrated_database: str, tmp_path
):
    with psycopg.connect(migrated_database, autocommit=True) as admin:
        admin.execute(
            """
            CREATE TABLE analytics.fct_probe AS SELECT g AS id, g * 1.5 AS amount
              FROM generate_series(1, 3) AS g;
            CREATE TABLE analytics.secret_probe AS SELECT 1 AS id;
            GRANT SELECT ON analytics.fct_probe TO phc_bi;
            REVOKE SELECT ON analytics.secret_probe FROM phc_bi;
            """
        )
    # The URL is the superuser's, who could read secret_probe: the export must not.
    out = run_export(migrated_database, "--format", "csv", "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert "fct_probe.csv" in written and "secret_probe.csv" not in written
    assert (tmp_path / "out" / "fct_probe.csv").read_text().splitlines() == [
        "id,amount", "1,1.5", "2,3.0", "3,4.5",
    ]  # fmt: skip
    assert "fct_probe" in out.stdout and f"from {len(written)} marts" in out.stdout

    refused = run_export(
        migrated_database, "--marts", "secret_probe", "--format", "parquet", "--out",
        str(tmp_path / "refused"),
    )  # fmt: skip
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "phc_bi" in lines[0] and "secret_probe" in lines[0]
    assert not (tmp_path / "refused").exists()

    unknown = run_export(migrated_database, "--marts", "fct_nope", "--format", "xlsx", "--out",
                         str(tmp_path / "unknown"))  # fmt: skip
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [unknown.stderr.strip()]
    assert "no mart fct_nope" in unknown.stderr and "Traceback" not in unknown.stderr
