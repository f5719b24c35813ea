"""Voucher use per month and cart rule, against the shop's order_cart_rules and orders."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, store
from phc_analytics.demo_shop.edits import editing
from phc_analytics.demo_shop.model import CART_RULES
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.shop import copy_shop, sync_from_shop
from phc_analytics_tests.transform.dbt_runner import run_dbt
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


def test_a_renamed_voucher_is_renamed_in_every_month_by_an_incremental_build(
    built_copy: BuiltWarehouse, tmp_path
):
    shop_path = copy_shop(built_copy.shop_path, tmp_path)
    with psycopg.connect(built_copy.url) as conn:
        rule_id, months = conn.execute(
            "SELECT cart_rule_id, count(*) FROM analytics.agg_voucher_use_monthly"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    with editing(shop_path) as shop:
        rule = store.load(shop.conn, CART_RULES, rule_id)
        for name in rule["name"]:
            name["value"] = f"Spring {name['value']}"
        rule["date_upd"] = shop.date
        store.write_records(shop.conn, CART_RULES, [rule], replace=True)
    with DemoShopServer(shop_path) as server:
        sync_from_shop(server, built_copy.url, ("cart_rules",))
    run_dbt(built_copy.url, ["run"])
    with psycopg.connect(built_copy.url) as conn:
        names = conn.execute(
            "SELECT DISTINCT cart_rule_name FROM analytics.agg_voucher_use_monthly"
            " WHERE cart_rule_id = %s",
            (rule_id,),
        ).fetchall()
        renamed = conn.execute(
            "SELECT count(*) FROM analytics.agg_voucher_use_monthly"
            " WHERE cart_rule_id = %s AND cart_rule_name LIKE 'Spring %%'",
            (rule_id,),
        ).fetchone()
        log = conn.execute(
            "SELECT incremental, rows_inserted FROM analytics.refresh_log"
            " WHERE view_name = 'analytics.agg_voucher_use_monthly'"
            " ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    assert len(names) == 1 and renamed == (months,) and months > 1
    # Only the renamed rule's rows were written.
    assert log == (True, months)
