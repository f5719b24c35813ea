"""Deletes on the demo shop, over HTTP (the Webservice DELETE method) and through advance:
PrestaShop 8.2.1's permission checks, status codes and per-class semantics."""

from __future__ import annotations

import json

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, advance_shop, store
from phc_analytics.demo_shop.deletes import ANONYMOUS_EMAIL, gdpr_erase_customer
from phc_analytics.demo_shop.edits import editing
from phc_analytics_tests.support.shop import copy_shop


@pytest.fixture
def own_shop(shop_path, tmp_path):
    """A private copy of the session's shop (deleting changes it), and its server."""
    path = copy_shop(shop_path, tmp_path)
    with DemoShopServer(path) as server:
        yield path, server


def _delete(server, path: str, key: str | None = None, **params) -> requests.Response:
    return requests.delete(
        f"{server.url}/api/{path}",
        params={"output_format": "JSON", **params},
        auth=(key or server.admin_ws_key, ""),
        timeout=30,
    )


def _get(server, path: str) -> requests.Response:
    return requests.get(
        f"{server.url}/api/{path}",
        params={"output_format": "JSON"},
        auth=(server.ws_key, ""),
        timeout=30,
    )


def _one(path, sql: str, *params):
    conn = store.connect(path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def _errors(response: requests.Response) -> list[tuple[int, str]]:
    return [(e["code"], e["message"]) for e in response.json()["errors"]]


def test_the_shops_own_key_may_not_delete(own_shop):
    _path, server = own_shop
    response = _delete(server, "customers/1", key=server.ws_key)
    assert response.status_code == 405
    assert _errors(response) == [
        (25, "Method DELETE is not allowed for the resource customers with this authentication key")
    ]
    assert _get(server, "customers/1").status_code == 200


def test_deleting_a_customer_who_never_ordered_removes_them_and_their_addresses(own_shop):
    path, server = own_shop
    customer_id, address_id = _one(
        path,
        "SELECT c.id, a.id FROM customers c JOIN addresses a ON a.id_customer = c.id"
        " WHERE c.id NOT IN (SELECT id_customer FROM orders) ORDER BY c.id LIMIT 1",
    )
    response = _delete(server, f"customers/{customer_id}")
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["Content-Type"] == ""
    assert _get(server, f"customers/{customer_id}").status_code == 404
    assert _get(server, f"addresses/{address_id}").status_code == 404


def test_a_customer_with_orders_is_removed_but_their_addresses_stay_as_they_were(own_shop):
    path, server = own_shop
    customer_id, address_id = _one(
        path,
        "SELECT o.id_customer, a.id FROM orders o JOIN addresses a ON a.id_customer ="
        " o.id_customer ORDER BY o.id LIMIT 1",
    )
    before = _get(server, f"addresses/{address_id}").json()["address"]
    assert _delete(server, f"customers/{customer_id}").status_code == 200
    assert _get(server, f"customers/{customer_id}").status_code == 404
    after = _get(server, f"addresses/{address_id}").json()["address"]
    assert after == before  # names, street and phone included; deleted stays 0
    orders = _get(server, f"orders?filter[id_customer]=[{customer_id}]").json()
    assert orders["orders"], "the orders keep their id_customer"


def test_every_id_must_exist_before_anything_is_deleted(own_shop):
    path, server = own_shop
    (last,) = _one(path, "SELECT max(id) FROM products")
    response = _delete(server, "products", id=f"[1,{last + 5},{last + 9}]")
    assert response.status_code == 404
    assert _errors(response) == [(87, f"Id(s) not exists: {last + 5}, {last + 9}")]
    assert _get(server, "products/1").status_code == 200
    # Without brackets the list is empty, and PrestaShop says so with an empty list.
    response = _delete(server, "products", id="1")
    assert (response.status_code, _errors(response)) == (404, [(87, "Id(s) not exists: ")])


def test_several_ids_at_once_and_a_refused_one_reports_code_88(own_shop):
    path, server = own_shop
    leaf_a, leaf_b = (
        r[0]
        for r in store.connect(path).execute(
            "SELECT id FROM categories WHERE id NOT IN (SELECT id_parent FROM categories)"
            " ORDER BY id LIMIT 2"
        )
    )
    # The root category cannot be deleted; the leaf before it in the list still goes.
    response = _delete(server, "categories", id=f"[{leaf_a},1]")
    assert response.status_code == 500
    assert _errors(response) == [(88, "Id(s) wasn't deleted: 1")]
    assert _get(server, f"categories/{leaf_a}").status_code == 404
    assert _get(server, "categories/1").status_code == 200
    assert _delete(server, "categories", id=f"[{leaf_b}]").status_code == 200


def test_deleting_a_product_keeps_its_order_lines_and_unlinks_it_silently(own_shop):
    path, server = own_shop
    (product_id,) = _one(
        path,
        "SELECT CAST(json_extract(json, '$.product_id') AS INTEGER) FROM order_details"
        " ORDER BY id LIMIT 1",
    )
    (category_id,) = _one(
        path, "SELECT CAST(json_extract(json, '$.id_category_default') AS INTEGER)"
        " FROM products WHERE id = ?", product_id,
    )  # fmt: skip
    category_before = _get(server, f"categories/{category_id}").json()["category"]
    assert {"id": str(product_id)} in category_before["associations"]["products"]
    assert _delete(server, f"products/{product_id}").status_code == 200
    assert _get(server, f"products/{product_id}").status_code == 404
    category_after = _get(server, f"categories/{category_id}").json()["category"]
    assert {"id": str(product_id)} not in category_after["associations"].get("products", [])
    # category_product is emptied by raw SQL: the category's date_upd does not move.
    assert category_after["date_upd"] == category_before["date_upd"]
    lines = _get(server, f"order_details?filter[product_id]=[{product_id}]&display=full")
    assert lines.json()["order_details"], "order lines keep the product id, name and prices"


def test_an_address_an_order_uses_is_soft_deleted_and_an_unused_one_removed(own_shop):
    path, server = own_shop
    (used,) = _one(
        path, "SELECT CAST(json_extract(json, '$.id_address_delivery') AS INTEGER) FROM orders"
        " ORDER BY id LIMIT 1"
    )  # fmt: skip
    (now,) = _one(path, "SELECT value FROM meta WHERE key = 'clock'")
    assert _delete(server, f"addresses/{used}").status_code == 200
    kept = _get(server, f"addresses/{used}").json()["address"]
    assert (kept["deleted"], kept["date_upd"]) == ("1", now)

    with editing(path) as shop:
        unused = shop.conn.execute("SELECT max(id) + 1 FROM addresses").fetchone()[0]
        shop.conn.execute(
            "INSERT INTO addresses (id, id_customer, date_add, date_upd, json)"
            " SELECT ?, id_customer, date_add, date_upd, json_set(json, '$.id', ?)"
            " FROM addresses WHERE id = ?",
            (unused, unused, used),
        )
    assert _delete(server, f"addresses/{unused}").status_code == 200
    assert _get(server, f"addresses/{unused}").status_code == 404


def test_gdpr_erasure_removes_the_customer_and_creates_one_shared_anonymous_customer(own_shop):
    path, server = own_shop
    first, second = (
        r[0] for r in store.connect(path).execute("SELECT id FROM customers ORDER BY id LIMIT 2")
    )
    with editing(path) as shop:
        assert gdpr_erase_customer(shop.conn, first, shop.now)
        assert gdpr_erase_customer(shop.conn, second, shop.now)
    assert _get(server, f"customers/{first}").status_code == 404
    assert _get(server, f"customers/{second}").status_code == 404
    anonymous = _get(server, f"customers?filter[email]=[{ANONYMOUS_EMAIL}]&display=full")
    assert len(anonymous.json()["customers"]) == 1


def test_advance_deletes_at_realistic_rates_through_the_same_semantics(own_shop):
    path, _server = own_shop
    before = {
        table: _one(path, f"SELECT count(*) FROM {table}")[0]
        for table in ("customers", "products", "addresses")
    }
    result = advance_shop(path, hours=24 * 365 * 2)
    deleted = result.deletions
    assert deleted["customers"] + deleted["gdpr_erasures"] > 0
    assert deleted["customers_soft"] > 0
    assert deleted["products"] + deleted["addresses"] > 0
    after_products = _one(path, "SELECT count(*) FROM products")[0]
    assert after_products == before["products"] - deleted["products"]
    soft = [
        json.loads(r[0])
        for r in store.connect(path).execute(
            "SELECT json FROM customers WHERE json_extract(json, '$.deleted') = '1'"
        )
    ]
    assert len(soft) >= deleted["customers_soft"]


def test_stock_cannot_be_deleted_through_the_webservice(own_shop):
    _path, server = own_shop
    response = _delete(server, "stock_availables/1")
    assert response.status_code == 405
    assert _errors(response) == [
        (101, "Method DELETE is not allowed for the resource stock_availables")
    ]
