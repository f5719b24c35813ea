"""Carts as the demo shop keeps them: one per order, abandoned ones in between, and what
PrestaShop's deletes, psgdpr and pscleaner do to them (mostly by raw SQL, date_upd unmoved)."""

from __future__ import annotations

import json

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, clock, store
from phc_analytics.demo_shop.deletes import (
    delete_customer,
    delete_product,
    gdpr_erase_customer,
    purge_carts,
)
from phc_analytics.demo_shop.edits import editing
from phc_analytics.demo_shop.model import CARTS
from phc_analytics_tests.support.shop import copy_shop


@pytest.fixture
def own_path(shop_path, tmp_path):
    return copy_shop(shop_path, tmp_path)


def _carts(path) -> dict[int, dict]:
    conn = store.connect(path)
    try:
        return {i: json.loads(j) for i, j in conn.execute("SELECT id, json FROM carts")}
    finally:
        conn.close()


def _orders(path) -> list[dict]:
    conn = store.connect(path)
    try:
        return [json.loads(j) for (j,) in conn.execute("SELECT json FROM orders")]
    finally:
        conn.close()


def test_every_order_has_its_cart_and_other_carts_were_abandoned(shop_path):
    carts, orders = _carts(shop_path), _orders(shop_path)
    ordered = {int(o["id_cart"]) for o in orders}
    assert ordered <= set(carts)
    for order in orders[:50]:
        cart = carts[int(order["id_cart"])]
        assert cart["id_customer"] == order["id_customer"]
        assert cart["date_upd"] <= order["date_add"]
        rows = {(r["id_product"], r["quantity"]) for r in cart["associations"]["cart_rows"]}
        lines = {(r["product_id"], r["product_quantity"])
                 for r in order["associations"]["order_rows"]}  # fmt: skip
        assert rows == lines
    abandoned = set(carts) - ordered
    # pscleaner ran at most a quarter ago, keeping the order-less carts of the month before.
    conn = store.connect(shop_path)
    try:
        now = clock.parse(store.get_meta(conn)["clock"])
    finally:
        conn.close()
    oldest_kept = min(clock.parse(carts[i]["date_upd"]) for i in abandoned)
    assert now - oldest_kept <= (30 + 92) * clock.DAY
    recent = [i for i in carts if clock.parse(carts[i]["date_upd"]) >= oldest_kept]
    assert 0.2 < len(abandoned) / len(recent) < 0.8
    # Visitors who never logged in have no customer.
    assert any(carts[i]["id_customer"] == "0" for i in abandoned)
    assert [f.name for f in CARTS.fields] == [k for k in carts[min(carts)] if k != "associations"]


def test_a_cart_an_order_came_from_cannot_be_deleted(own_path):
    ordered = int(_orders(own_path)[0]["id_cart"])
    abandoned = min(set(_carts(own_path)) - {int(o["id_cart"]) for o in _orders(own_path)})
    with DemoShopServer(own_path) as server:

        def delete(cart_id: int) -> requests.Response:
            return requests.delete(
                f"{server.url}/api/carts/{cart_id}", params={"output_format": "JSON"},
                auth=(server.admin_ws_key, ""), timeout=30,
            )  # fmt: skip

        refused = delete(ordered)
        assert refused.status_code == 500
        assert refused.json()["errors"] == [
            {"code": 88, "message": f"Id(s) wasn't deleted: {ordered}"}
        ]
        assert delete(abandoned).status_code == 200
    assert abandoned not in _carts(own_path) and ordered in _carts(own_path)


def test_psgdpr_moves_the_carts_to_the_anonymous_customer_without_touching_date_upd(own_path):
    customer_id = int(_orders(own_path)[0]["id_customer"])
    before = {i: c for i, c in _carts(own_path).items() if c["id_customer"] == str(customer_id)}
    assert before
    with editing(own_path) as shop:
        gdpr_erase_customer(shop.conn, customer_id, shop.now)
        anonymous = store.get_meta(shop.conn)["psgdpr_anonymous_customer"]
    after = _carts(own_path)
    for cart_id, cart in before.items():
        assert after[cart_id]["id_customer"] == anonymous
        assert after[cart_id]["date_upd"] == cart["date_upd"]


def test_deleting_a_customer_deletes_all_their_carts_ordered_ones_too(own_path):
    customer_id = int(_orders(own_path)[0]["id_customer"])
    with editing(own_path) as shop:
        delete_customer(shop.conn, customer_id, shop.now)
    assert not [c for c in _carts(own_path).values() if c["id_customer"] == str(customer_id)]


def test_a_deleted_product_leaves_every_cart_without_a_date_change(own_path):
    carts = _carts(own_path)
    cart_id, cart = next(
        (i, c) for i, c in carts.items() if len(c["associations"]["cart_rows"]) > 1
    )
    product_id = int(cart["associations"]["cart_rows"][0]["id_product"])
    with editing(own_path) as shop:
        delete_product(shop.conn, product_id)
    after = _carts(own_path)[cart_id]
    assert str(product_id) not in {r["id_product"] for r in after["associations"]["cart_rows"]}
    assert after["date_upd"] == cart["date_upd"]


def test_pscleaner_purges_old_carts_without_an_order_only(own_path):
    ordered = {int(o["id_cart"]) for o in _orders(own_path)}
    with editing(own_path) as shop:
        purged = purge_carts(shop.conn, shop.now)
        cutoff = clock.fmt(shop.now - 30 * clock.DAY)
    after = _carts(own_path)
    assert purged > 0
    assert ordered <= set(after)
    assert all(c["date_upd"] >= cutoff for i, c in after.items() if i not in ordered)
