"""A multistore installation lands whole: every store's orders and customers, the stores and
their settings (reference/prestashop-multistore.md; PrestaShop issue #25335)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, generate_shop
from phc_analytics.prestashop.client import PrestaShopClient, PrestaShopError
from phc_analytics_tests.support.shop import sync_from_shop

ORDERS = 400


@pytest.fixture(scope="module")
def multistore_shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("multistore_sync") / "shop.sqlite"
    generate_shop(path, orders=ORDERS, seed=31, end=datetime(2025, 6, 1), stores=3)
    with DemoShopServer(path) as server:
        yield path, server


def shop_stores(path, table: str) -> Counter:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"SELECT json_extract(json, '$.id_shop') FROM {table}").fetchall()
    return Counter(r[0] for r in rows)


def raw_stores(conn, table: str) -> Counter:
    rows = conn.execute(f"SELECT payload ->> 'id_shop' FROM raw.{table}").fetchall()
    return Counter(r[0] for r in rows)


@pytest.mark.server
def test_every_store_lands_and_dim_shop_has_each_stores_settings(
    multistore_shop, migrated_database, dbt_manifest, tmp_path
):
    from phc_analytics_tests.correctness.dbt_inprocess import InProcessDbt

    path, server = multistore_shop
    sync_from_shop(server, migrated_database)
    with psycopg.connect(migrated_database) as conn:
        for table in ("orders", "customers", "carts"):
            assert raw_stores(conn, table) == shop_stores(path, table), table
        assert set(raw_stores(conn, "orders")) == {"1", "2", "3"}
        stock = Counter(
            conn.execute(
                "SELECT payload ->> 'id_shop', payload ->> 'id_shop_group'"
                " FROM raw.stock_availables"
            ).fetchall()
        )
        assert set(stock) == {("0", "1"), ("3", "0")}  # group 1 shares; store 3 has its own
        assert conn.execute("SELECT count(*) FROM raw.shops").fetchone()[0] == 3

    InProcessDbt(migrated_database, tmp_path / "dbt")(
        "build", "--select", "+dim_shop", "+stg_orders"
    )
    with psycopg.connect(migrated_database) as conn:
        dim = conn.execute(
            "SELECT shop_id, shop_name, shop_group_id, shares_orders, currency, timezone"
            " FROM analytics.dim_shop ORDER BY shop_id"
        ).fetchall()
        staged = dict(
            conn.execute("SELECT shop_id, count(*) FROM staging.stg_orders GROUP BY 1").fetchall()
        )
    assert dim == [
        (1, "PHC Demo Shop", 1, True, "EUR", "Europe/Paris"),
        (2, "PHC Demo Shop Outlet", 1, True, "EUR", "Europe/Paris"),
        (3, "PHC Demo Shop UK", 2, False, "GBP", "Europe/London"),
    ]
    assert {str(k): v for k, v in staged.items()} == dict(shop_stores(path, "orders"))


def test_the_client_asks_for_every_store_only_in_a_multistore_shop(multistore_shop, shop_server):
    _, server = multistore_shop
    multi = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    single = PrestaShopClient(shop_server.url, shop_server.ws_key, backoff_s=0.01)
    try:
        assert multi.store_context() == {"id_shop": "all"}
        assert single.store_context() == {}
    finally:
        multi.close()
        single.close()


def test_a_redirect_is_an_error_that_says_why(multistore_shop):
    _, server = multistore_shop
    client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    try:
        with pytest.raises(PrestaShopError) as e:
            client.get("order_states", {"id_shop": "9"})
    finally:
        client.close()
    message = str(e.value)
    assert "redirected (HTTP 301)" in message and "does not exist or is inactive" in message
    # Where it was sent, without the query it carried along.
    assert f"to {server.url}/: " in message and "url=" not in message


@pytest.mark.server
def test_a_deactivated_store_is_not_swept_away(tmp_path, migrated_database):
    """PrestaShop deactivates a store that has sold (it cannot delete it), and id_shop=all then
    leaves its orders and customers out: they are unlisted, not deleted, so the delete sweep
    must not tombstone them (nor erasure blank those customers)."""
    from phc_analytics.ingestion.sweep import sweep_entity
    from phc_analytics.prestashop.entities import BY_NAME

    path = tmp_path / "shop.sqlite"
    generate_shop(path, orders=ORDERS, seed=32, end=datetime(2025, 6, 1), stores=3)
    with DemoShopServer(path) as server:
        sync_from_shop(server, migrated_database, ("orders", "customers", "stock_availables"))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE shops SET json = json_set(json, '$.active', '0') WHERE id = 3")
    with DemoShopServer(path) as server, psycopg.connect(migrated_database) as conn:
        client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
        try:
            assert client.covered_stores() == (frozenset({1, 2}), frozenset({1}))
            listed = {r["id"] for r in client.get("orders", {"display": "[id]"})}
            stats = {
                name: sweep_entity(client, conn, BY_NAME[name])
                for name in ("orders", "customers", "stock_availables")
            }
        finally:
            client.close()
        removed = conn.execute(
            "SELECT count(*) FROM raw.orders WHERE removed_at IS NOT NULL"
        ).fetchone()[0]
    assert len(listed) < ORDERS  # the store's orders are really out of the list
    assert {name: s.removed for name, s in stats.items()} == {
        "orders": 0,
        "customers": 0,
        "stock_availables": 0,
    }
    assert removed == 0
