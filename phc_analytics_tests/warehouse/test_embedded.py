"""The embedded server: a real PostgreSQL that outlives processes and survives a SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from phc_analytics.warehouse.embedded import EmbeddedPostgres


@pytest.fixture
def own_server(tmp_path: Path):
    server = EmbeddedPostgres(tmp_path / "pg")
    try:
        yield server
    finally:
        server.stop()


def postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().splitlines()[0])


def test_server_started_by_another_process_keeps_running(own_server: EmbeddedPostgres):
    code = (
        "from pathlib import Path; from phc_analytics.warehouse.embedded import EmbeddedPostgres;"
        f" print(EmbeddedPostgres(Path({str(own_server.home)!r})).ensure_running().port)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    port = int(out.stdout.strip())
    # The starting process has exited; the server is still there and is reused as is.
    running = own_server.running()
    assert running is not None and running.port == port
    assert own_server.ensure_running().port == port


def test_restarts_cleanly_after_sigkill_and_keeps_data(own_server: EmbeddedPostgres):
    first = own_server.ensure_running()
    with psycopg.connect(first.url(), autocommit=True) as conn:
        conn.execute("CREATE TABLE survivor (id int)")
        conn.execute("INSERT INTO survivor VALUES (42)")
    os.kill(postmaster_pid(own_server), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while own_server.running() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert own_server.running() is None

    second = own_server.ensure_running()
    assert second.port == first.port
    with psycopg.connect(second.url()) as conn:
        assert conn.execute("SELECT id FROM survivor").fetchall() == [(42,)]


def test_database_is_created_once(own_server: EmbeddedPostgres):
    own_server.ensure_database("phc_probe")
    own_server.ensure_database("phc_probe")
    with psycopg.connect(own_server.ensure_running().url("phc_probe")) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == "phc_probe"
