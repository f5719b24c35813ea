"""Carts and conversion in the marts, against the shop's carts and orders over HTTP."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, clock, store
from phc_analytics.demo_shop.edits import editing
from phc_analytics.demo_shop.model import CARTS, cart_record
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.shop import copy_shop, sync_from_shop
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.shop_reader import fetch

pytestmark = pytest.mark.server
IDLE = timedelta(hours=24)  # dbt var abandoned_cart_idle_hours


def _expected(server) -> tuple[Counter, Counter, Counter]:
    """Carts, ordered carts and abandoned carts per day, from the shop's own records."""
    carts = fetch(server.url, server.ws_key, "carts")
    orders = fetch(server.url, server.ws_key, "orders")
    ordered = {int(o["id_cart"]) for o in orders}
    as_of = max(
        max(datetime.fromisoformat(o["date_add"]) for o in orders),
        max(datetime.fromisoformat(c["date_upd"]) for c in carts),
    )
    filled = [c for c in carts if c.get("associations", {}).get("cart_rows")]
    return (
        Counter(c["date_add"][:10] for c in filled),
        Counter(c["date_add"][:10] for c in filled if int(c["id"]) in ordered),
        Counter(
            c["date_add"][:10]
            for c in filled
            if int(c["id"]) not in ordered and datetime.fromisoformat(c["date_upd"]) < as_of - IDLE
        ),
    )


def _mart(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT date_day::text, carts, ordered_carts, abandoned_carts, removed_carts,"
            " conversion_rate FROM analytics.agg_carts_daily"
        ).fetchall()


def test_carts_abandoned_carts_and_conversion_per_day_match_the_shop(
    built_warehouse: BuiltWarehouse,
):
    with DemoShopServer(built_warehouse.shop_path) as server:
        expected_carts, expected_ordered, expected_abandoned = _expected(server)
    rows = _mart(built_warehouse.url)
    assert {r[0]: r[1] for r in rows} == dict(expected_carts)
    assert {r[0]: r[2] for r in rows if r[2]} == dict(expected_ordered)
    assert {r[0]: r[3] for r in rows if r[3]} == dict(expected_abandoned)
    assert all(r[4] == 0 for r in rows)
    assert all(abs(float(r[5]) - r[2] / r[1]) < 1e-9 for r in rows)
    # Some carts became orders, and not all of them did.
    assert 0 < sum(r[2] for r in rows) < sum(r[1] for r in rows)


def test_an_incremental_build_follows_new_carts_orders_and_the_clock(
    built_copy: BuiltWarehouse, tmp_path
):
    shop_path = copy_shop(built_copy.shop_path, tmp_path)
    before = {r[0]: r for r in _mart(built_copy.url)}
    # A visitor fills a cart two days later: a new day, and the shop's clock moves on, so the
    # carts pending at the last build are abandoned now.
    with editing(shop_path) as shop:
        (cart_id,) = shop.conn.execute("SELECT max(id) + 1 FROM carts").fetchone()
        (product_id,) = shop.conn.execute("SELECT min(id) FROM products").fetchone()
        when = clock.fmt(shop.now + 2 * clock.DAY)
        cart = cart_record(cart_id, 0, 1_000_000 + cart_id, 0, 1, "1", 0, "", when, when,
                           [(product_id, 1)])  # fmt: skip
        store.write_records(shop.conn, CARTS, [cart])
    with DemoShopServer(shop_path) as server:
        sync_from_shop(server, built_copy.url)
        expected_carts, expected_ordered, expected_abandoned = _expected(server)
    run_dbt(built_copy.url, ["run"])
    rows = _mart(built_copy.url)
    assert {r[0]: r[1] for r in rows} == dict(expected_carts)
    assert {r[0]: r[2] for r in rows if r[2]} == dict(expected_ordered)
    # Carts pending at the last build are abandoned now that the shop's clock moved on.
    assert {r[0]: r[3] for r in rows if r[3]} == dict(expected_abandoned)
    with psycopg.connect(built_copy.url) as conn:
        incremental, inserted = conn.execute(
            "SELECT incremental, rows_inserted FROM analytics.refresh_log"
            " WHERE view_name = 'analytics.agg_carts_daily' ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    changed = {r[0] for r in rows if before.get(r[0]) != r}  # new days, and days that moved
    # Only those were written: a few, not the whole history.
    assert incremental and inserted == len(changed)
    assert 0 < inserted < len(rows) / 10
