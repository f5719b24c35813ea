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


def test_db_url_and_unreachable_error_hide_a_query_password(empty_database: str):
    shown = run_cli(
        "db", "url", env={settings.ENV_DATABASE_URL: f"{empty_database}?password=hunter2"}
    )
    assert shown.returncode == 0, shown.stderr
    assert "hunter2" not in shown.stdout and "***" in shown.stdout
    for url in ("postgresql://u@127.0.0.1:1/x?password=hunter2",
                "host=127.0.0.1 port=1 dbname=x user=u password=hunter2"):  # fmt: skip
        out = run_cli("migrate", env={settings.ENV_DATABASE_URL: url})
        assert out.returncode == 2 and "cannot reach the warehouse" in out.stderr
        assert "hunter2" not in out.stderr + out.stdout


def test_migrate_accepts_a_keyword_connection_string(empty_database: str):
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    keywords = make_conninfo("", **conninfo_to_dict(empty_database))
    out = run_cli("migrate", env={settings.ENV_DATABASE_URL: keywords})
    assert out.returncode == 0, out.stderr
    assert "applied 001_schemas.sql" in out.stdout


def test_db_url_for_the_bi_role_logs_in_read_only(migrated_database: str):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    env = {settings.ENV_DATABASE_URL: migrated_database}
    admin = run_cli("db", "url", env=env)
    assert conninfo_to_dict(admin.stdout.strip()) == conninfo_to_dict(migrated_database)
    secret = run_cli("db", "url", "--role", "bi", env={**env, settings.ENV_BI_PASSWORD: "hunter2"})
    assert secret.returncode == 0, secret.stderr
    assert "hunter2" not in secret.stdout
    assert conninfo_to_dict(secret.stdout.strip())["password"] == "***"
    for role, user in (("bi", "phc_bi"), ("etl", "phc_etl")):
        out = run_cli("db", "url", "--role", role, env=env)
        url = out.stdout.strip()
        assert conninfo_to_dict(url)["user"] == user
        # The test servers trust local logins: the printed URL is the one a BI tool would use.
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == user
            can_read_raw = conn.execute("SELECT has_schema_privilege('raw', 'USAGE')").fetchone()[0]
        assert can_read_raw == (role == "etl")


def test_version_comes_from_the_installed_package():
    from importlib.metadata import version

    out = run_cli("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"phc-analytics, version {version('phc_analytics')}"


def test_reconcile_without_marts_fails_before_reading_the_shop(migrated_database: str):
    # Nothing listens on port 9: reading the shop would fail after its retries, about the shop.
    env = {
        settings.ENV_DATABASE_URL: migrated_database,
        settings.ENV_PRESTASHOP_URL: "http://127.0.0.1:9",
        settings.ENV_PRESTASHOP_WS_KEY: "K" * 32,
    }
    out = run_cli("reconcile", env=env)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "marts are not built" in lines[0]
    assert "`phc-analytics run`" in lines[0]


def test_shops_lists_the_file_and_refuses_a_missing_key_in_one_line(tmp_path):
    shops_file = tmp_path / "shops.yaml"
    shops_file.write_text(
        "shops:\n  - name: paris\n    url: https://paris.example.com\n"
        "    key_env: PHC_TEST_PARIS_KEY\n    stores: [1, 3]\n"
    )
    key = "Z" * 32
    env = {settings.ENV_SHOPS_FILE: str(shops_file), "PHC_TEST_PARIS_KEY": key}
    listed = run_cli("shops", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "paris" in listed.stdout and "PHC_TEST_PARIS_KEY (set)" in listed.stdout
    assert "1, 3" in listed.stdout and key not in listed.stdout
    missing = run_cli("shops", env={settings.ENV_SHOPS_FILE: str(shops_file)})
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0
    assert "PHC_TEST_PARIS_KEY is not set" in missing.stderr
