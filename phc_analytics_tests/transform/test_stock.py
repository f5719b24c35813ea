"""Stock on hand and days of cover, against the shop's own stock and orders over HTTP."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.shop_reader import fetch

pytestmark = pytest.mark.server


def test_stock_cover_matches_the_shops_stock_and_last_30_days_of_sales(
    built_warehouse: BuiltWarehouse,
):
    with DemoShopServer(built_warehouse.shop_path) as server:
        stock_rows = fetch(server.url, server.ws_key, "stock_availables")
        products = {int(p["id"]) for p in fetch(server.url, server.ws_key, "products")}
    on_hand: dict[int, int] = defaultdict(int)
    for row in stock_rows:
        on_hand[int(row["id_product"])] += max(0, int(row["quantity"]))
    orders = built_warehouse.shop.orders
    as_of = max(o.created for o in orders)
    sold: dict[int, int] = defaultdict(int)
    for order in orders:
        if order.is_valid and as_of - timedelta(days=30) < order.created <= as_of:
            for (product_id, _amount), quantity in zip(order.lines, order.quantities, strict=True):
                sold[product_id] += quantity
    with psycopg.connect(built_warehouse.url) as conn:
        rows = conn.execute(
            "SELECT product_id, on_hand, units_sold_30d, days_of_cover, is_out_of_stock,"
            " as_of_date FROM analytics.stock_cover"
        ).fetchall()
    assert {r[0] for r in rows} == set(on_hand) & products
    assert {r[5] for r in rows} == {as_of}
    for product_id, hand, units, cover, out, _ in rows:
        assert (hand, units, out) == (on_hand[product_id], sold[product_id], hand == 0)
        if units:
            assert Decimal(cover).quantize(Decimal("0.001")) == (
                Decimal(hand) / (Decimal(units) / 30)
            ).quantize(Decimal("0.001"))
        else:
            assert cover is None
    assert any(r[2] for r in rows) and any(r[4] for r in rows)  # sales and a sold-out product
