"""Voucher use per month and cart rule, against the shop's order_cart_rules and orders."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.shop_reader import fetch

pytestmark = pytest.mark.server


def test_voucher_use_and_cost_per_month_match_the_shop(built_warehouse: BuiltWarehouse):
    with DemoShopServer(built_warehouse.shop_path) as server:
        applied = fetch(server.url, server.ws_key, "order_cart_rules")
        rules = fetch(server.url, server.ws_key, "cart_rules")
        rates = {int(o["id"]): Decimal(o["conversion_rate"])
                 for o in fetch(server.url, server.ws_key, "orders")}  # fmt: skip
    valid = {o.order_id: o for o in built_warehouse.shop.orders if o.is_valid}
    uses: dict[tuple[str, int], set[int]] = defaultdict(set)
    cost: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for row in applied:
        order = valid.get(int(row["id_order"]))
        if order is None or row["deleted"] == "1":
            continue
        key = (order.created.strftime("%Y-%m-01"), int(row["id_cart_rule"]))
        uses[key].add(order.order_id)
        cost[key] += Decimal(row["value_tax_excl"]) / (rates[order.order_id] or 1)
    with psycopg.connect(built_warehouse.url) as conn:
        rows = conn.execute(
            "SELECT month_start::text, cart_rule_id, orders_with_voucher, discount_cost, code"
            " FROM analytics.agg_voucher_use_monthly"
        ).fetchall()
    assert {(m, r): n for m, r, n, _, _ in rows} == {k: len(v) for k, v in uses.items()}
    assert {(m, r): c.quantize(Decimal("0.01")) for m, r, _, c, _ in rows} == {
        k: v.quantize(Decimal("0.01")) for k, v in cost.items()
    }
    codes = {int(r["id"]): r["code"] for r in rules}
    assert {(r, code) for _, r, _, _, code in rows} <= set(codes.items())
    # Each use took one off the rule's quantity (PaymentModule::validateOrder).
    all_uses = defaultdict(int)
    for row in applied:
        all_uses[int(row["id_cart_rule"])] += 1
    assert {int(r["id"]): 1_000_000 - int(r["quantity"]) for r in rules} == {
        int(r["id"]): all_uses[int(r["id"])] for r in rules
    }
