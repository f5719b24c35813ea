"""The delete sweep against the demo shop over HTTP: deletes become tombstones in raw, a
partial id list marks nothing, a mass removal is refused, and a record that comes back is
revived."""

from __future__ import annotations

import psycopg
import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, FaultConfig, store
from phc_analytics.ingestion.sweep import (
    REAPPEARED_MARK,
    REMOVED_MARK,
    SweepRefused,
    id_windows,
    removal_allowed,
    sweep_entity,
)
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient, PrestaShopError
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics_tests.support.shop import raw_latest, shop_truth

pytestmark = pytest.mark.server

CUSTOMERS, PRODUCTS, ADDRESSES = BY_NAME["customers"], BY_NAME["products"], BY_NAME["addresses"]


def _sync(client, url, entities=ENTITIES) -> None:
    with psycopg.connect(url) as conn:
        for entity in entities:
            sync_entity(client, conn, entity, SyncRequest.everything())


def _delete(server, resource: str, ids: list[int]) -> None:
    response = requests.delete(
        f"{server.url}/api/{resource}",
        params={"id": f"[{','.join(map(str, ids))}]"},
        auth=(server.admin_ws_key, ""),
        timeout=30,
    )
    assert response.status_code == 200, response.text


def _tombstones(url, entity) -> dict[int, dict]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT id, payload FROM raw.{entity.name} WHERE removed_at IS NOT NULL"
        ).fetchall()
    return dict(rows)


def _raw_rows(url) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            e.name: conn.execute(f"SELECT count(*) FROM raw.{e.name}").fetchone()[0]
            for e in ENTITIES
        }


def _ids(path, sql: str) -> list[int]:
    conn = store.connect(path)
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


def test_id_windows_cover_every_id_once():
    assert id_windows(0) == []
    assert id_windows(5, size=2) == [(1, 2), (3, 4), (5, 5)]
    windows = id_windows(100_001, size=20_000)
    covered = [i for low, high in windows for i in range(low, high + 1)]
    assert covered == list(range(1, 100_002))


def test_removal_allowed_has_a_floor_and_a_share():
    assert removal_allowed(100, 10)  # small shops may lose up to the floor
    assert not removal_allowed(101, 10)
    assert removal_allowed(2_000, 10_000, share=0.2)
    assert not removal_allowed(2_001, 10_000, share=0.2)


def test_deleted_records_get_one_tombstone_each_and_raw_then_matches_the_shop(
    client, shop_server, shop_path, migrated_database
):
    _sync(client, migrated_database)
    customers = _ids(
        shop_path,
        "SELECT DISTINCT c.id FROM customers c JOIN addresses a ON a.id_customer = c.id"
        " WHERE c.id NOT IN (SELECT id_customer FROM orders) ORDER BY c.id LIMIT 2",
    )
    products = _ids(shop_path, "SELECT id FROM products ORDER BY id DESC LIMIT 3")
    # Customers who never ordered take their addresses with them.
    addresses = _ids(
        shop_path,
        f"SELECT id FROM addresses WHERE id_customer IN ({','.join(map(str, customers))})",
    )
    assert addresses
    _delete(shop_server, "customers", customers)
    _delete(shop_server, "products", products)

    with psycopg.connect(migrated_database) as conn:
        stats = {
            e.name: sweep_entity(client, conn, e, run_id="sweep-1")
            for e in (CUSTOMERS, PRODUCTS, ADDRESSES)
        }
    assert (stats["customers"].removed, stats["products"].removed) == (2, 3)
    assert stats["addresses"].removed == len(addresses)
    assert stats["products"].listed_ids == len(shop_truth(shop_server.url, shop_server.ws_key,
                                                          PRODUCTS))  # fmt: skip
    for entity, ids in ((CUSTOMERS, customers), (PRODUCTS, products), (ADDRESSES, addresses)):
        tombstones = _tombstones(migrated_database, entity)
        assert sorted(tombstones) == sorted(ids), entity.name
        # The tombstone is the last payload the shop sent, plus when it was found missing.
        assert all(REMOVED_MARK in p and p["id"] for p in tombstones.values())
        with psycopg.connect(migrated_database) as conn:
            assert raw_latest(conn, entity) == shop_truth(
                shop_server.url, shop_server.ws_key, entity
            )
    # A second sweep finds nothing new and writes nothing.
    before = _raw_rows(migrated_database)
    with psycopg.connect(migrated_database) as conn:
        again = sweep_entity(client, conn, CUSTOMERS, run_id="sweep-2")
        logged = conn.execute(
            "SELECT entity, removed_ids FROM staging.etl_sweeps ORDER BY sweep_id"
        ).fetchall()
    assert again.removed == 0 and _raw_rows(migrated_database) == before
    assert logged == [("customers", 2), ("products", 3), ("addresses", len(addresses)),
                      ("customers", 0)]  # fmt: skip


@pytest.mark.parametrize(
    "faults",
    [
        # The shop answers the first requests, then fails every one: bodies cut short (invalid
        # JSON), server errors, connections closed without an answer.
        FaultConfig(truncate_rate=1.0, after_requests=3),
        FaultConfig(error_5xx_rate=1.0, after_requests=3),
        FaultConfig(drop_rate=1.0, after_requests=3),
    ],
    ids=["truncated", "5xx", "dropped"],
)
def test_a_partial_id_list_marks_nothing_removed(
    faults, client, shop_path, shop_server, migrated_database
):
    _sync(client, migrated_database)
    _delete(shop_server, "products", _ids(shop_path, "SELECT id FROM products LIMIT 2"))
    before = _raw_rows(migrated_database)
    # Windows of 10 ids: the list takes several requests, and the shop fails partway through.
    with DemoShopServer(shop_path, faults=faults) as flaky:
        flaky_client = PrestaShopClient(flaky.url, flaky.ws_key, max_attempts=2, backoff_s=0.01)
        try:
            with psycopg.connect(migrated_database) as conn, pytest.raises(PrestaShopError):
                sweep_entity(flaky_client, conn, PRODUCTS, window_ids=10)
        finally:
            flaky_client.close()
    assert _raw_rows(migrated_database) == before
    with psycopg.connect(migrated_database) as conn:
        assert conn.execute("SELECT count(*) FROM staging.etl_sweeps").fetchone()[0] == 0


def test_a_sweep_that_would_remove_too_much_stops_and_writes_nothing(
    client, shop_path, shop_server, migrated_database
):
    _sync(client, migrated_database, [PRODUCTS])
    products = _ids(shop_path, "SELECT id FROM products ORDER BY id")
    _delete(shop_server, "products", products[: len(products) // 2])
    before = _raw_rows(migrated_database)
    with (
        psycopg.connect(migrated_database) as conn,
        pytest.raises(SweepRefused, match="PHC_SWEEP_MAX_REMOVED_SHARE"),
    ):
        sweep_entity(client, conn, PRODUCTS, max_removed_share=0.2, always_allowed=0)
    assert _raw_rows(migrated_database) == before


def test_a_record_that_comes_back_is_live_again(client, shop_path, shop_server, migrated_database):
    _sync(client, migrated_database, [PRODUCTS])
    (product_id,) = _ids(shop_path, "SELECT max(id) FROM products")
    conn_shop = store.connect(shop_path)
    saved = conn_shop.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
    conn_shop.close()
    _delete(shop_server, "products", [product_id])
    with psycopg.connect(migrated_database) as conn:
        assert sweep_entity(client, conn, PRODUCTS).removed == 1
    # A restored backup puts the row back as it was: same payload, same date_upd.
    with store.writing(shop_path) as conn_shop:
        marks = ",".join("?" * len(saved))
        conn_shop.execute(f"INSERT INTO products VALUES ({marks})", saved)
    with psycopg.connect(migrated_database) as conn:
        back = sweep_entity(client, conn, PRODUCTS)
        latest = raw_latest(conn, PRODUCTS)
        payload = conn.execute(
            "SELECT payload FROM raw.products WHERE id = %s AND payload ? %s",
            (product_id, REAPPEARED_MARK),
        ).fetchone()
    assert (back.removed, back.reappeared) == (0, 1)
    assert product_id in latest and payload is not None


def test_a_customer_deleted_before_the_first_sync_gets_a_placeholder_for_their_orders(
    client, shop_path, shop_server, migrated_database
):
    (customer_id,) = _ids(shop_path, "SELECT id_customer FROM orders ORDER BY id LIMIT 1")
    _delete(shop_server, "customers", [customer_id])
    _sync(client, migrated_database)
    with psycopg.connect(migrated_database) as conn:
        assert conn.execute(
            "SELECT count(*) FROM raw.customers WHERE id = %s", (customer_id,)
        ).fetchone() == (0,)
        stats = sweep_entity(client, conn, CUSTOMERS)
        (payload,) = conn.execute(
            "SELECT payload FROM raw.customers WHERE id = %s AND removed_at IS NOT NULL",
            (customer_id,),
        ).fetchone()
    assert (stats.never_seen, stats.removed) == (1, 0)
    assert payload["_phc_never_seen"] is True
    assert (payload["email"], payload["firstname"], payload["lastname"]) == ("", "", "")


def test_the_next_sweep_reads_the_orders_loaded_since_for_customers_never_seen(
    client, shop_path, shop_server, migrated_database
):
    from phc_analytics.demo_shop import advance_shop

    _sync(client, migrated_database)
    with psycopg.connect(migrated_database) as conn:
        sweep_entity(client, conn, CUSTOMERS)
        known = conn.execute("SELECT max(id) FROM raw.customers").fetchone()[0]
        (first_mark,) = conn.execute(
            "SELECT orders_xid_checked FROM staging.etl_sweeps WHERE entity = 'customers'"
        ).fetchone()
    advance_shop(shop_path, hours=72)
    newcomer = _ids(
        shop_path,
        f"SELECT id_customer FROM orders WHERE id_customer > {known} ORDER BY id LIMIT 1",
    )
    assert newcomer, "the advance brought no order by a new customer"
    # A new customer orders, then is deleted before the warehouse reads customers again.
    _delete(shop_server, "customers", newcomer)
    _sync(client, migrated_database, [BY_NAME["orders"]])
    with psycopg.connect(migrated_database) as conn:
        stats = sweep_entity(client, conn, CUSTOMERS)
        marks = conn.execute(
            "SELECT orders_xid_checked FROM staging.etl_sweeps WHERE entity = 'customers'"
            " ORDER BY sweep_id"
        ).fetchall()
        placeholder = conn.execute(
            "SELECT payload ->> '_phc_never_seen' FROM raw.customers WHERE id = %s",
            (newcomer[0],),
        ).fetchone()
    assert stats.never_seen == 1 and placeholder == ("true",)
    assert marks[-1][0] > first_mark


def test_a_cart_clean_up_is_not_refused(client, shop_path, shop_server, migrated_database):
    from phc_analytics.demo_shop.deletes import purge_carts
    from phc_analytics.demo_shop.edits import editing

    carts = BY_NAME["carts"]
    _sync(client, migrated_database, [carts])
    with editing(shop_path) as shop:
        # pscleaner run a month from now: every cart without an order goes, far over the share
        # guard, which carts are exempt from.
        purged = purge_carts(shop.conn, shop.now + 31 * 86_400)
    with psycopg.connect(migrated_database) as conn:
        live = len(raw_latest(conn, carts))
        stats = sweep_entity(client, conn, carts, max_removed_share=0.01, always_allowed=0)
    assert purged / live > 0.01 and stats.removed == purged
