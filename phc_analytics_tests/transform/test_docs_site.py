"""`phc-analytics docs` as a user runs it: dbt's documentation site generated from the built
warehouse into PHC_HOME (never into sql/dbt/target), then served over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.transform import docs_site
from phc_analytics.transform.project import dbt_project
from phc_analytics.warehouse.embedded import free_port
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse

CLI = str(Path(sys.executable).parent / "phc-analytics")
# The whole command: migrate (nothing to apply), dbt docs generate, start serving.
START_TIMEOUT_S = 300


def _get(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None


def test_docs_generates_the_catalog_into_phc_home_and_serves_it(
    built_copy: BuiltWarehouse, tmp_path: Path
):
    # A password in the connection string, to prove it is printed nowhere (the tests' embedded
    # server trusts local logins; a server that checks passwords gets its own URL's back).
    secret = conninfo_to_dict(built_copy.url).get("password") or "docs-secret-7f3a"
    url = make_conninfo(built_copy.url, password=secret)
    home = tmp_path / "phc_home"
    env = {**os.environ, settings.ENV_DATABASE_URL: url, settings.ENV_HOME: str(home)}
    for variable in (settings.ENV_ETL_PASSWORD, settings.ENV_BI_PASSWORD):
        env.pop(variable, None)  # roles are server-wide: leave other tests' logins alone
    manifest = dbt_project.manifest_path
    manifest_before = manifest.stat().st_mtime_ns
    port = free_port()

    started = time.monotonic()
    process = subprocess.Popen(
        [CLI, "docs", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    status = catalog_status = None
    try:
        while time.monotonic() - started < START_TIMEOUT_S and process.poll() is None:
            status = _get(f"http://127.0.0.1:{port}/")
            if status is not None:
                catalog_status = _get(f"http://127.0.0.1:{port}/catalog.json")
                break
            time.sleep(0.5)
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            # What kept it alive: its state, and the signals it blocks or ignores (hex masks;
            # SIGTERM is 0x4000).
            proc = Path(f"/proc/{process.pid}/status").read_text().splitlines()
            process.kill()
            process.communicate()
            signals = [line for line in proc if line.startswith(("State", "SigBlk", "SigIgn"))]
            pytest.fail(f"`phc-analytics docs` did not stop within 30 s of SIGTERM: {signals}")
    print(f"docs generated and served in {time.monotonic() - started:.1f}s")
    assert (status, catalog_status) == (200, 200), output[-3000:]
    # SIGTERM stops it as Ctrl-C does: a clean exit, not death by the signal (-15).
    assert process.returncode == 0, output[-3000:]

    site = home / "dbt_docs"
    assert f"documentation site in {site}" in output
    assert f"http://127.0.0.1:{port}" in output
    assert "not built yet" not in output
    # What the site reads and nothing else (no compiled SQL, run results or parse state).
    assert sorted(p.name for p in site.iterdir()) == ["catalog.json", "index.html", "manifest.json"]
    assert (home / "logs" / "dbt_docs" / "dbt.log").exists()
    catalog = json.loads((site / "catalog.json").read_text())
    nodes = {node["metadata"]["name"]: node for node in catalog["nodes"].values()}
    fct_orders = nodes["fct_orders"]
    assert fct_orders["metadata"]["schema"] == "analytics"
    assert {"order_id", "customer_id", "order_date", "net_revenue"} <= set(fct_orders["columns"])
    assert {"stg_orders", "dim_customer", "agg_sales_daily"} <= set(nodes)
    assert catalog["sources"]  # the raw tables the staging models read
    # The pipeline's manifest is not the docs build's: it stays as it was.
    assert manifest.stat().st_mtime_ns == manifest_before
    # The password is in no output and no file the command wrote (dbt's log included).
    assert secret not in output
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_warehouse_without_marts_is_told_apart(migrated_database: str, tmp_path: Path):
    # The command then says `run make demo first` and still generates the site (models,
    # descriptions, lineage); serving needs a site.
    assert not docs_site.marts_built(migrated_database)
    with pytest.raises(PhcError, match="run `phc-analytics docs`"):
        docs_site.make_server(tmp_path, "127.0.0.1", free_port())
