"""The warehouse most tests read: built once per session, end to end, from a demo shop.

A generated demo shop with the odd values real shops serve (``plant_edge_cases``: a
one-language country name, an unreadable and a zero wholesale price, an impossible birthday,
both backorder states) is served over HTTP, synced with the ingestion engine, and built with
every dbt model and test through Dagster, as a run does. The shop's own records are read over
HTTP too, for the KPIs computed independently in Python (``shop_reader``).

- ``built_template``: that warehouse, a template database nobody connects to after the build;
- ``built_warehouse``: one copy of it shared by the tests that only read it;
- ``built_copy``: a fresh copy per test, for the tests that write (about a second each).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from phc_analytics_tests.support.databases import (
    copy_database,
    drop_database,
    session_name,
    with_database,
)

# Small, and fixed (seed and end), so every run builds the same data.
BUILT_ORDERS = 2000
BUILT_SEED = 7
BUILT_END = datetime(2025, 6, 1)


@dataclass(frozen=True)
class BuiltWarehouse:
    url: str  # the shared read-only copy
    template: str  # the template's database name (copy it, never connect to it)
    shop_path: Path  # the shop file it was synced from (do not edit: copy it)
    shop: object  # shop_reader.ShopSnapshot: the shop's records as KPI inputs
    edge_cases: dict[str, tuple[str, int]]  # plant_edge_cases: kind -> (resource, id)
    rows_read: dict[str, int]  # per entity, by the sync
    result: dg.ExecuteInProcessResult  # the Dagster run that built staging and the marts


@pytest.fixture(scope="session")
def dbt_manifest() -> None:
    """The parsed dbt project (parsed here only when a model changed since `make manifest`)."""
    from phc_analytics.transform.project import ensure_manifest

    ensure_manifest()


def _sync_everything(url: str, server) -> dict[str, int]:
    from phc_analytics_tests.support.shop import sync_from_shop

    return sync_from_shop(server, url)


@pytest.fixture(scope="session")
def built_template(
    pg_admin_url: str,
    migrated_template: str,
    dbt_manifest: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BuiltWarehouse]:
    from phc_analytics.demo_shop import DemoShopServer, generate_shop
    from phc_analytics.demo_shop.edits import plant_edge_cases
    from phc_analytics.transform.definitions import transform_defs
    from phc_analytics.transform.resources import dbt_resource
    from phc_analytics_tests.transform.shop_reader import read_shop

    shop_path = tmp_path_factory.mktemp("built_shop") / "shop.sqlite"
    generate_shop(shop_path, orders=BUILT_ORDERS, seed=BUILT_SEED, end=BUILT_END)
    edge_cases = plant_edge_cases(shop_path)
    name = copy_database(pg_admin_url, migrated_template, session_name("built"))
    url = with_database(pg_admin_url, name)
    try:
        with DemoShopServer(shop_path, host="127.0.0.1") as server:
            rows_read = _sync_everything(url, server)
            shop = read_shop(server.url, server.ws_key)
        result = dg.materialize(
            list(transform_defs.assets),
            resources={"dbt": dbt_resource(url)},
            raise_on_error=False,
        )
        yield BuiltWarehouse(
            url="", template=name, shop_path=shop_path, shop=shop, edge_cases=edge_cases,
            rows_read=rows_read, result=result,
        )  # fmt: skip
    finally:
        drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def built_warehouse(pg_admin_url: str, built_template: BuiltWarehouse) -> Iterator[BuiltWarehouse]:
    """The built warehouse, shared: read it, do not change it (use ``built_copy`` to write)."""
    with _copy(pg_admin_url, built_template, "built_shared") as shared:
        yield shared


@pytest.fixture
def built_copy(pg_admin_url: str, built_template: BuiltWarehouse) -> Iterator[BuiltWarehouse]:
    """A copy of the built warehouse of the test's own."""
    with _copy(pg_admin_url, built_template, "built_copy") as copy:
        yield copy


@contextmanager
def _copy(pg_admin_url: str, built: BuiltWarehouse, purpose: str) -> Iterator[BuiltWarehouse]:
    name = copy_database(pg_admin_url, built.template, session_name(purpose))
    try:
        yield replace(built, url=with_database(pg_admin_url, name))
    finally:
        drop_database(pg_admin_url, name)
