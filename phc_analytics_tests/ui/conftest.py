"""One `dagster dev` for every UI test: embedded PostgreSQL, a small demo shop, a warehouse.

Starting `dagster dev` and loading the shop once costs about a minute on a 2-core machine, so
the code-location, GraphQL, browser and freshness tests share one instance and its first full
materialization. The fixture is module-scoped and every test that needs `dagster dev` is in
test_dagster_ui.py: a session-scoped one would keep the daemon (sensors, automation ticks)
busy on the two cores for the rest of the suite. Everything lives in a temporary folder
(PHC_HOME) and two databases of its own, dropped afterwards, whatever the outcome.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest

from phc_analytics import settings
from phc_analytics.demo_shop import generate_shop
from phc_analytics.ingestion.partitions import daily_partitions
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.support.dagster_dev import DagsterDev, dagster_dev

# A small shop keeps a full load in seconds; 500 orders over three years of history.
SHOP_ORDERS = 500
SHOP_SEED = 20260601
LAYERS = ("raw", "staging", "analytics")
# Budgets, measured on a loaded 2-core machine (see docs/ui.md); a miss fails the test.
DAGSTER_LOAD_TIMEOUT_S = 240
FULL_RUN_TIMEOUT_S = 300
# The sensor ticks every 10 s once the daemon is up.
STARTUP_RUN_TIMEOUT_S = 90
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

ARTIFACTS_DIR = settings.project_root() / "test-artifacts" / "ui"


@dataclass
class ExpectedGraph:
    """What the code location defines, read from the Definitions in this process."""

    assets_by_group: dict[str, set[str]]
    checks_by_asset: dict[str, set[str]]
    partitioned: set[str]

    def keys(self, *groups: str) -> set[str]:
        return set().union(*(self.assets_by_group.get(g, set()) for g in groups))


@dataclass
class UiInstance:
    dev: DagsterDev
    dagster_url: str
    warehouse_url: str
    shop_path: Path
    expected: ExpectedGraph
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class FullRun:
    run_id: str
    status: str
    seconds: float
    failures: list[str]


def expected_graph() -> ExpectedGraph:
    from phc_analytics.definitions import defs

    graph = defs().resolve_asset_graph()
    by_group: dict[str, set[str]] = {}
    partitioned = set()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        by_group.setdefault(node.group_name, set()).add(key.to_user_string())
        if node.is_partitioned:
            partitioned.add(key.to_user_string())
    checks: dict[str, set[str]] = {}
    for check_key in graph.asset_check_keys:
        checks.setdefault(check_key.asset_key.to_user_string(), set()).add(check_key.name)
    return ExpectedGraph(by_group, checks, partitioned)


def asset_path(key: str) -> list[str]:
    return dg.AssetKey.from_user_string(key).path


@pytest.fixture(scope="module")
def ui(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiInstance]:
    work = tmp_path_factory.mktemp("ui")
    home = work / "phc_home"
    shop_path = home / "demo_shop.sqlite"
    # The demo shop resource generates settings.default_shop_path() when it is missing: put a
    # small one there first.
    generate_shop(shop_path, orders=SHOP_ORDERS, seed=SHOP_SEED)
    warehouse_db = create_database(pg_admin_url, prefix="phc_ui_wh")
    dagster_db = create_database(pg_admin_url, prefix="phc_ui_dg")
    try:
        warehouse_url = with_database(pg_admin_url, warehouse_db)
        apply_migrations(warehouse_url, settings.migrations_dir())
        env = {
            settings.ENV_DATABASE_URL: warehouse_url,
            settings.ENV_HOME: str(home),
            # Empty means unset: the built-in demo shop, whatever the developer exported.
            settings.ENV_PRESTASHOP_URL: "",
            settings.ENV_PRESTASHOP_WS_KEY: "",
            settings.ENV_QUALITY_REPORT: str(work / "quality_report.json"),
        }
        dagster_url = with_database(pg_admin_url, dagster_db)
        started = time.monotonic()
        with dagster_dev(dagster_url, work, extra_env=env, timeout_s=DAGSTER_LOAD_TIMEOUT_S) as dev:
            instance = UiInstance(dev, dagster_url, warehouse_url, shop_path, expected_graph())
            instance.timings["dagster dev loaded"] = time.monotonic() - started
            yield instance
    finally:
        # dagster dev is down here (the context manager stops it even on failure); keep its
        # log next to the screenshots, pytest's temporary folders do not last.
        log = work / "dagster_dev.log"
        if log.exists():
            ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, ARTIFACTS_DIR / "dagster_dev.log")
        drop_database(pg_admin_url, dagster_db)
        drop_database(pg_admin_url, warehouse_db)


@pytest.fixture(scope="module")
def full_run(ui: UiInstance) -> FullRun:
    """Every raw, staging, analytics and quality asset (with their checks) in one run, like the
    UI's "Materialize all": today's partition of the raw assets reads everything from the
    watermark on, i.e. the whole shop on a first run."""
    # On an empty warehouse the shop-change sensor starts a sync-and-build of its own at its
    # first tick (10 s). Dagster's run pools do not hold back two runs dequeued together, so
    # "Materialize all" launched beside it would sync the same raw tables at once: harmless for
    # the data (idempotent raw, one dbt build at a time under the warehouse lock), but the UI
    # then links the latest materialization of an asset to no check execution. A user waits for
    # that first run; so does the test. The full run then finds the shop loaded, and its dbt
    # steps have nothing to build.
    ui.timings["startup sync"] = ui.dev.wait_for_a_run_launched_by(
        "shop_change_sensor", STARTUP_RUN_TIMEOUT_S
    ) + ui.dev.wait_until_idle(FULL_RUN_TIMEOUT_S)
    today = daily_partitions().get_last_partition_key()
    keys = sorted(ui.expected.keys(*LAYERS, "quality"))
    started = time.monotonic()
    run_id = ui.dev.launch_run(
        [asset_path(k) for k in keys], tags={RANGE_START_TAG: today, RANGE_END_TAG: today}
    )
    status = ui.dev.wait_for_run(run_id, FULL_RUN_TIMEOUT_S)
    seconds = time.monotonic() - started
    ui.timings["full materialization"] = seconds
    failures = ui.dev.run_failures(run_id) if status != "SUCCESS" else []
    return FullRun(run_id, status, seconds, failures)
