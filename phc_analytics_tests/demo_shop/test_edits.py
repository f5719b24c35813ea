"""The editing helpers change what the shop serves, the way PrestaShop would, at the shop clock."""

from __future__ import annotations

import random
import shutil

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, clock, edits, store
from phc_analytics.demo_shop.reference_data import STATE
from phc_analytics_tests.demo_shop.test_generator import records


@pytest.fixture
def shop(shop_path, tmp_path):
    """A copy of the session's shop: the edits write to it."""
    path = tmp_path / "shop.sqlite"
    shutil.copyfile(shop_path, path)
    return path


def by_id(path, table: str) -> dict[int, dict]:
    return {int(r["id"]): r for r in records(path, table)}


def test_edge_cases_are_served_as_planted(shop):
    planted = edits.plant_edge_cases(shop)
    assert set(planted) == set(edits.EDGE_CASES)
    with DemoShopServer(shop) as server:

        def get(resource: str, record_id: int) -> dict:
            response = requests.get(
                f"{server.url}/api/{resource}/{record_id}",
                params={"output_format": "JSON"},
                auth=(server.ws_key, ""),
                timeout=30,
            )
            response.raise_for_status()
            return next(iter(response.json().values()))

        country = get(*planted["single_language_country"])
        unreadable = get(*planted["unreadable_wholesale_price"])
        zero = get(*planted["zero_wholesale_price"])
        customer = get(*planted["impossible_birthday"])
        unpaid = get(*planted["backorder_unpaid"])
        paid = get(*planted["backorder_paid"])
    assert isinstance(country["name"], str) and country["name"]
    assert (unreadable["wholesale_price"], zero["wholesale_price"]) == ("n/a", "0.000000")
    assert customer["birthday"] == "1990-02-30"
    assert (unpaid["current_state"], paid["current_state"]) == ("12", "9")
    # Each change is dated at the shop clock, as a back-office edit would be.
    conn = store.connect(shop)
    try:
        now = store.get_meta(conn)["clock"]
    finally:
        conn.close()
    assert {r["date_upd"] for r in (unreadable, zero, customer, unpaid, paid)} == {now}


def test_a_refund_writes_history_state_and_credit_amounts(shop):
    before = by_id(shop, "orders")
    message = edits.refund_old_order(shop, random.Random(3))
    order_id = int(message.split("order ")[1].split()[0])
    order = by_id(shop, "orders")[order_id]
    assert before[order_id]["current_state"] == "5"
    assert order["current_state"] == "7" and order["valid"] == str(STATE[7].logable)
    histories = [h for h in records(shop, "order_histories") if int(h["id_order"]) == order_id]
    assert histories[-1]["id_order_state"] == "7"
    assert histories[-1]["date_add"] == order["date_upd"]
    details = [d for d in records(shop, "order_details") if int(d["id_order"]) == order_id]
    assert details and all(
        d["product_quantity_refunded"] == d["product_quantity"]
        and d["total_refunded_tax_excl"] == d["total_price_tax_excl"]
        for d in details
    )
    assert clock.parse(order["date_upd"]) > clock.parse(before[order_id]["date_upd"])
