"""Warehouses built once per test session, which the tests read:

- ``built_warehouse``: the handcrafted shop (edge cases), loaded into raw directly and built
  with dbt through Dagster;
- ``demo_warehouse``: end to end, a generated demo shop served over HTTP, synced with the
  ingestion engine and built with ``dbt build``; the shop's own records are read over HTTP too,
  for the KPIs computed in Python.

Tests that mutate raw data get a database of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import dagster as dg
import pytest

from phc_analytics import settings
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.shop_builder import Shop, build_shop, load_shop
from phc_analytics_tests.transform.shop_reader import ShopSnapshot, read_shop

# The variable the session's dbt resource reads its warehouse URL from; a separate name from
# PHC_DATABASE_URL, so the developer's own warehouse is never touched by the tests.
SESSION_URL_ENV = "PHC_TEST_TRANSFORM_URL"
DEMO_URL_ENV = "PHC_TEST_TRANSFORM_DEMO_URL"

# The end-to-end demo shop: small, and fixed (seed and end) so every run builds the same data.
DEMO_ORDERS = 2000
DEMO_SEED = 7
DEMO_END = datetime(2025, 6, 1)


@dataclass
class BuiltWarehouse:
    url: str
    shop: Shop
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="session")
def dbt_manifest() -> None:
    """The parsed dbt project (parsed here only when a model changed since `make manifest`)."""
    from phc_analytics.transform.project import ensure_manifest

    ensure_manifest()


@pytest.fixture(scope="session")
def built_warehouse(pg_admin_url: str, dbt_manifest: None) -> Iterator[BuiltWarehouse]:
    from phc_analytics.transform.definitions import transform_defs
    from phc_analytics.transform.resources import dbt_resource

    name = create_database(pg_admin_url, "phc_transform")
    url = with_database(pg_admin_url, name)
    previous = os.environ.get(SESSION_URL_ENV)
    os.environ[SESSION_URL_ENV] = url
    try:
        apply_migrations(url, settings.migrations_dir())
        shop = build_shop()
        load_shop(url, shop)
        result = dg.materialize(
            list(transform_defs.assets),
            resources={"dbt": dbt_resource(SESSION_URL_ENV)},
            raise_on_error=False,
        )
        yield BuiltWarehouse(url, shop, result)
    finally:
        if previous is None:
            os.environ.pop(SESSION_URL_ENV, None)
        else:
            os.environ[SESSION_URL_ENV] = previous
        drop_database(pg_admin_url, name)


@dataclass
class DemoWarehouse:
    url: str
    shop: ShopSnapshot
    rows_read: dict[str, int]  # per entity, by the sync
    dbt_results: list[dict]  # run_results.json "results" of the dbt build


@pytest.fixture(scope="session")
def demo_warehouse(
    pg_admin_url: str, dbt_manifest: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoWarehouse]:
    import psycopg

    from phc_analytics.demo_shop import DemoShopServer, generate_shop
    from phc_analytics.ingestion.sync import sync_entity
    from phc_analytics.ingestion.windows import SyncRequest
    from phc_analytics.prestashop.client import PrestaShopClient
    from phc_analytics.prestashop.entities import ENTITIES

    path = tmp_path_factory.mktemp("demo_shop") / "shop.sqlite"
    generate_shop(path, orders=DEMO_ORDERS, seed=DEMO_SEED, end=DEMO_END)
    name = create_database(pg_admin_url, "phc_transform_demo")
    url = with_database(pg_admin_url, name)
    try:
        apply_migrations(url, settings.migrations_dir())
        with DemoShopServer(path, host="127.0.0.1") as server:
            client = PrestaShopClient(server.url, server.ws_key)
            try:
                with psycopg.connect(url) as conn:
                    rows_read = {
                        e.name: sync_entity(client, conn, e, SyncRequest.everything()).rows_read
                        for e in ENTITIES
                    }
            finally:
                client.close()
            shop = read_shop(server.url, server.ws_key)
        invocation = run_dbt(url, ["build"], env_name=DEMO_URL_ENV)
        results = invocation.get_artifact("run_results.json")["results"]
        yield DemoWarehouse(url, shop, rows_read, results)
    finally:
        drop_database(pg_admin_url, name)
