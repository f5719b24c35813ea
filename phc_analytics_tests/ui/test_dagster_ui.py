"""The Dagster UI end to end, on a real `dagster dev` (webserver + daemon) over the embedded
PostgreSQL and the demo shop: the code location and its instance, GraphQL, a headless browser
reading the pages, and freshness with nobody pressing a button. Every test shares one instance
(see conftest.py); run them in file order."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import psycopg

from phc_analytics import settings
from phc_analytics.demo_shop import advance_shop
from phc_analytics.ingestion.partitions import daily_partitions
from phc_analytics_tests.support.browser import PAGE_TIMEOUT_S, chromium, page_lines
from phc_analytics_tests.ui.conftest import (
    ARTIFACTS_DIR,
    LAYERS,
    FullRun,
    UiInstance,
    asset_path,
)

ASSET_GRAPH = """
{ assetNodes { assetKey { path } groupName isPartitioned
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } } } }
"""

CHECK_RESULTS = """
{ assetNodes { assetKey { path }
    assetChecksOrError { ... on AssetChecks { checks { name
      executionForLatestMaterialization { runId status
        evaluation { success severity } } } } } } }
"""

BACKFILL_TIMEOUT_S = 240
BACKFILL_TITLE = "ui test backfill"
# The requirement: a change in the shop reaches the marts within three minutes.
FRESHNESS_LIMIT_S = 180
NEW_ORDERS_WANTED = 3
IDLE_TIMEOUT_S = 300


def key_of(node: dict) -> str:
    return "/".join(node["assetKey"]["path"])


def test_dagster_dev_loads_the_code_location_with_its_instance_in_postgres(ui: UiInstance):
    entries = ui.dev.location_entries()
    assert [e["name"] for e in entries] == ["phc_analytics"]
    assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
    # The daemon and webserver keep their state in the test database, not in a temp folder.
    with psycopg.connect(ui.dagster_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
        heartbeats = conn.execute("SELECT count(*) FROM daemon_heartbeats").fetchone()[0]
    assert {"runs", "event_logs", "daemon_heartbeats"} <= tables
    assert heartbeats > 0


def test_graphql_asset_graph_runs_backfill_and_checks(ui: UiInstance, full_run: FullRun):
    dev, expected = ui.dev, ui.expected

    # 1. The asset graph: every raw, staging and analytics asset, each with its checks.
    nodes = {key_of(n): n for n in dev.graphql(ASSET_GRAPH)["assetNodes"]}
    for layer in LAYERS:
        wanted = expected.assets_by_group[layer]
        assert wanted, f"no {layer} asset defined"
        assert wanted <= set(nodes), f"{layer} assets missing from the UI: {wanted - set(nodes)}"
        assert {nodes[k]["groupName"] for k in wanted} == {layer}
    assert {"raw_orders", "staging/stg_orders", "analytics/fct_orders"} <= set(nodes)
    assert {k for k, n in nodes.items() if n["isPartitioned"]} == expected.partitioned
    served_checks = {
        key: {c["name"] for c in node["assetChecksOrError"]["checks"]}
        for key, node in nodes.items()
        if node["assetChecksOrError"]["__typename"] == "AssetChecks"
    }
    for key, checks in expected.checks_by_asset.items():
        assert served_checks.get(key) == checks, key
    assert sum(len(c) for c in served_checks.values()) >= 200

    # 2. Materialize everything (the module fixture launched it through launchRun).
    assert full_run.status == "SUCCESS", full_run.failures

    # 3. A backfill of three daily partitions of the raw assets, as the UI launches it.
    partitions = daily_partitions().get_partition_keys()[-4:-1]
    started = time.monotonic()
    backfill_id = dev.launch_backfill(
        [asset_path(k) for k in sorted(expected.partitioned)], partitions, title=BACKFILL_TITLE
    )
    status = dev.wait_for_backfill(backfill_id, BACKFILL_TIMEOUT_S)
    ui.timings["3-partition backfill"] = time.monotonic() - started
    backfill = dev.backfill(backfill_id)
    assert status == "COMPLETED_SUCCESS", backfill
    assert backfill["partitionNames"] == partitions
    assert backfill["runs"] and all(r["status"] == "SUCCESS" for r in backfill["runs"]), backfill

    # 4. The asset check results.
    results = {}
    for node in dev.graphql(CHECK_RESULTS)["assetNodes"]:
        for check in node["assetChecksOrError"].get("checks", []):
            results[(key_of(node), check["name"])] = check["executionForLatestMaterialization"]
    expected_checks = {(a, c) for a, checks in expected.checks_by_asset.items() for c in checks}
    assert expected_checks <= set(results)
    not_run = sorted(k for k in expected_checks if results[k] is None)
    assert not not_run, f"checks without a result: {not_run[:10]}"
    by_status: dict[str, list] = {}
    for key in expected_checks:
        by_status.setdefault(results[key]["status"], []).append(key)
    print("check results:", {s: len(v) for s, v in by_status.items()})
    assert not by_status.get("EXECUTION_FAILED"), by_status.get("EXECUTION_FAILED")
    failed_errors = [
        k for k in by_status.get("FAILED", []) if results[k]["evaluation"]["severity"] == "ERROR"
    ]
    assert not failed_errors, f"ERROR checks failing on the demo shop: {failed_errors}"


# --- 2. In a real browser -----------------------------------------------------------------------

Label = str | tuple[str, ...] | re.Pattern


def shows(label: Label, lines: list[str]) -> bool:
    """A line is the label (a tuple: any one of its labels; a pattern: a line it matches)."""
    if isinstance(label, re.Pattern):
        return any(label.fullmatch(line) for line in lines)
    return bool(set(label if isinstance(label, tuple) else (label,)) & set(lines))


def wait_for_lines(browser, wanted: list[Label], timeout_s: float = PAGE_TIMEOUT_S) -> list[str]:
    """The page's lines once every wanted label shows as a line of its own; fails with the
    labels still missing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def missing(lines: list[str]) -> list:
        return [label for label in wanted if not shows(label, lines)]

    def ready(b):
        # A fresh profile gets Dagster's "Join the community" dialog once; skip it.
        for button in b.find_elements("xpath", "//button[normalize-space()='Skip']"):
            button.click()
        lines = page_lines(b)
        if "Join the Dagster community" in lines or missing(lines):
            return False
        return lines

    try:
        return WebDriverWait(browser, timeout_s, poll_frequency=1).until(ready)
    except TimeoutException:
        lines = page_lines(browser)
        raise AssertionError(
            f"{browser.current_url} never showed {missing(lines)} in {timeout_s:.0f} s;"
            f" it shows: {lines[:80]}"
        ) from None


STAGING_NAMES = tuple(
    sorted(
        path.stem for path in (settings.project_root() / "sql/dbt/models/staging").glob("stg_*.sql")
    )
)
RAW_ORDERS_CHECKS = "/assets/raw_orders?view=checks"
PARTITION_COUNT = re.compile(r"(?P<state>Failed|Materialized|Missing) \((?P<n>[\d,]+)\)")
# A graph shows only the boxes in view: upstream of fct_orders two levels deep (its staging
# models and their raw assets) fits in a window this tall.
LINEAGE_WINDOW = (1440, 1600)
# name -> (path, labels the page must show once it has loaded its data), in visiting order.
PAGES = {
    # The global asset graph: one box per group.
    "asset_graph": ("/asset-groups", [*LAYERS, "quality"]),
    # One group's graph (the screenshot in docs/ui.md). What is in view depends on the group's
    # layout, so any staging asset's box will do here; the lineage below names its assets.
    "asset_graph_staging": (
        "/locations/phc_analytics/asset-groups/staging",
        ["Asset Group in", STAGING_NAMES],
    ),
    # fct_orders with what feeds it: raw_orders -> stg_orders -> fct_orders, box by box.
    "lineage_fct_orders": (
        "/assets/analytics/fct_orders?view=lineage&lineageScope=upstream&lineageDepth=2",
        ["raw_orders", "stg_orders", "fct_orders", "raw", "staging", "analytics"],
    ),
    "asset_checks": (RAW_ORDERS_CHECKS, ["raw_orders", "Checks", "Execute all"]),
    "partitions": (
        "/assets/raw_orders?view=partitions",
        ["raw_orders", re.compile(r"Failed \(\d+\)"), re.compile(r"Materialized \([\d,]+\)")],
    ),
}


def test_browser_shows_the_asset_graph_checks_and_partitions(
    ui: UiInstance, full_run: FullRun, tmp_path: Path
):
    assert full_run.status == "SUCCESS", full_run.failures
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    browser = chromium(tmp_path / "chromium-profile")
    started = time.monotonic()
    seen: dict[str, list[str]] = {}
    # The Checks tab is read once it lists every check of raw_orders, results loaded.
    raw_orders_checks = sorted(ui.expected.checks_by_asset["raw_orders"])
    extra = {"asset_checks": [*raw_orders_checks, "Succeeded"]}
    try:
        for name, (path, labels) in PAGES.items():
            labels = [*labels, *extra.get(name, [])]
            browser.set_window_size(
                *(LINEAGE_WINDOW if name.startswith("lineage") else (1440, 900))
            )
            browser.get(ui.dev.url + path)
            try:
                seen[name] = wait_for_lines(browser, labels)
                time.sleep(1)  # let the graph finish its layout animation
            finally:
                browser.save_screenshot(str(ARTIFACTS_DIR / f"{name}.png"))
            assert "Something went wrong" not in seen[name], (name, seen[name][:80])
    finally:
        browser.quit()
    ui.timings["browser"] = time.monotonic() - started

    # The Checks tab lists every check of raw_orders with its latest result: all passed on the
    # demo shop (a line "Succeeded" right below each name).
    lines = seen["asset_checks"]
    shown = {c: lines[lines.index(c) + 1] for c in raw_orders_checks if c in lines[:-1]}
    assert shown == {c: "Succeeded" for c in raw_orders_checks}, shown
    assert f"Checks ({len(raw_orders_checks)})" in lines

    # The Partitions tab counts days by state: none failed, the loaded ones materialized.
    counts = {
        m["state"]: int(m["n"].replace(",", ""))
        for m in map(PARTITION_COUNT.fullmatch, seen["partitions"])
        if m
    }
    assert counts.get("Failed") == 0 and counts.get("Materialized", 0) >= 1, counts


# --- 3. Freshness end to end ---------------------------------------------------------------------


def shop_order_ids(shop_path: Path) -> set[int]:
    with closing(sqlite3.connect(f"file:{shop_path}?mode=ro", uri=True)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM orders")}


def warehouse_order_ids(warehouse_url: str, ids: list[int] | None = None) -> set[int]:
    with psycopg.connect(warehouse_url) as conn:
        if ids is None:
            rows = conn.execute("SELECT order_id FROM analytics.fct_orders").fetchall()
        else:
            rows = conn.execute(
                "SELECT order_id FROM analytics.fct_orders WHERE order_id = ANY(%s)", (ids,)
            ).fetchall()
    return {row[0] for row in rows}


def test_new_shop_orders_reach_fct_orders_with_nobody_acting(ui: UiInstance, full_run: FullRun):
    assert full_run.status == "SUCCESS", full_run.failures
    before = shop_order_ids(ui.shop_path)
    # The warehouse already holds the shop (the first full materialization).
    assert warehouse_order_ids(ui.warehouse_url) == before
    # The latency is measured from an idle instance: the refreshes the backfill above set off
    # would otherwise share the two cores with the ones carrying this change.
    ui.timings["idle wait"] = ui.dev.wait_until_idle(IDLE_TIMEOUT_S)

    # `shop advance`, a day at a time, until a few new orders came in (about one a day in a
    # shop this small).
    advanced = []
    while len(shop_order_ids(ui.shop_path) - before) < NEW_ORDERS_WANTED and len(advanced) < 30:
        advanced.append(advance_shop(ui.shop_path, hours=24))
    new_ids = sorted(shop_order_ids(ui.shop_path) - before)
    assert len(new_ids) >= NEW_ORDERS_WANTED, advanced
    changed_at, changed_wall = time.monotonic(), time.time()

    seen: set[int] = set()
    while time.monotonic() - changed_at < FRESHNESS_LIMIT_S:
        seen = warehouse_order_ids(ui.warehouse_url, new_ids)
        if seen == set(new_ids):
            break
        time.sleep(2)
    latency = time.monotonic() - changed_at
    ui.timings["freshness latency"] = latency
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / "freshness.json").write_text(
        json.dumps(
            {
                "new_orders": new_ids,
                "days_advanced": len(advanced),
                "latency_s": round(latency, 1),
                "reached": seen == set(new_ids),
                # What carried the change, seconds after it was written to the shop.
                "runs": [
                    {
                        **run,
                        **{
                            k: round(run[k] - changed_wall, 1) if run[k] else None
                            for k in ("created", "started", "ended")
                        },
                    }
                    for run in reversed(ui.dev.recent_runs(created_after=changed_wall))
                ],
                "timings_s": {k: round(v, 1) for k, v in ui.timings.items()},
            },
            indent=2,
        )
    )
    print(f"freshness: {len(new_ids)} new orders in fct_orders after {latency:.0f} s")
    assert seen == set(new_ids), (
        f"after {FRESHNESS_LIMIT_S} s only {sorted(seen)} of {new_ids} are in fct_orders;"
        f" runs since the change: {ui.dev.recent_runs(created_after=changed_wall)}"
    )
