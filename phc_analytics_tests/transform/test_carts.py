"""Carts and conversion in the marts, against the shop's carts and orders over HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.shop_reader import fetch

pytestmark = pytest.mark.server
IDLE = timedelta(hours=24)  # dbt var abandoned_cart_idle_hours


def test_carts_abandoned_carts_and_conversion_per_day_match_the_shop(
    built_warehouse: BuiltWarehouse,
):
    with DemoShopServer(built_warehouse.shop_path) as server:
        carts = fetch(server.url, server.ws_key, "carts")
        orders = fetch(server.url, server.ws_key, "orders")
    ordered = {int(o["id_cart"]) for o in orders}
    as_of = max(
        max(datetime.fromisoformat(o["date_add"]) for o in orders),
        max(datetime.fromisoformat(c["date_upd"]) for c in carts),
    )
    filled = [c for c in carts if c.get("associations", {}).get("cart_rows")]
    expected_carts = Counter(c["date_add"][:10] for c in filled)
    expected_ordered = Counter(c["date_add"][:10] for c in filled if int(c["id"]) in ordered)
    expected_abandoned = Counter(
        c["date_add"][:10]
        for c in filled
        if int(c["id"]) not in ordered and datetime.fromisoformat(c["date_upd"]) < as_of - IDLE
    )
    with psycopg.connect(built_warehouse.url) as conn:
        rows = conn.execute(
            "SELECT date_day::text, carts, ordered_carts, abandoned_carts, removed_carts,"
            " conversion_rate FROM analytics.agg_carts_daily"
        ).fetchall()
    assert {r[0]: r[1] for r in rows} == dict(expected_carts)
    assert {r[0]: r[2] for r in rows if r[2]} == dict(expected_ordered)
    assert {r[0]: r[3] for r in rows if r[3]} == dict(expected_abandoned)
    assert all(r[4] == 0 for r in rows)
    assert all(abs(float(r[5]) - r[2] / r[1]) < 1e-9 for r in rows)
    # Some carts became orders, and not all of them did.
    assert 0 < sum(r[2] for r in rows) < sum(r[1] for r in rows)
