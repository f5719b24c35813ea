"""Refunds and payments, from the shop's own records over HTTP to the marts: revenue net of
refunds beside the gross, payments by method and day, and the payments that do not add up."""

from __future__ import annotations

import json
import random
import shutil
from collections import defaultdict
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, store
from phc_analytics.demo_shop.edits import editing, partial_refund_order
from phc_analytics.demo_shop.model import ORDERS
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.shop import sync_from_shop
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.shop_reader import fetch

pytestmark = pytest.mark.server

CENT = Decimal("0.01")


def _shop_copy(built: BuiltWarehouse, tmp_path):
    path = tmp_path / "shop.sqlite"
    shutil.copyfile(built.shop_path, path)
    return path


def _fetch_slips(server) -> list[dict]:
    """The resource is order_slip; its JSON list key is order_slips."""
    import requests

    response = requests.get(
        f"{server.url}/api/order_slip",
        params={"display": "full", "output_format": "JSON"},
        auth=(server.ws_key, ""),
        timeout=60,
    )
    response.raise_for_status()
    body = response.json()
    return [] if body == [] else body["order_slips"]


def test_refunds_and_payments_in_the_marts_match_the_shops_records(
    built_warehouse: BuiltWarehouse,
):
    with DemoShopServer(built_warehouse.shop_path) as server:
        slips = _fetch_slips(server)
        payments = fetch(server.url, server.ws_key, "order_payments")
    assert slips and payments
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for slip in slips:
        refunded[slip["date_add"][:10]] += Decimal(slip["total_products_tax_excl"]) / Decimal(
            slip["conversion_rate"]
        )
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for payment in payments:
        key = (payment["date_add"][:10], payment["payment_method"])
        paid[key] += Decimal(payment["amount"]) / Decimal(payment["conversion_rate"])
    with psycopg.connect(built_warehouse.url) as conn:
        mart_refunds = dict(
            conn.execute(
                "SELECT date_day::text, refunded_amount FROM analytics.agg_refunds_daily"
                " WHERE slips > 0"
            ).fetchall()
        )
        mart_payments = {
            (day, method): amount
            for day, method, amount in conn.execute(
                "SELECT payment_date::text, payment_method, amount"
                " FROM analytics.agg_payments_daily"
            )
        }
        gross, after, partial = conn.execute(
            "SELECT sum(net_revenue), sum(net_revenue_after_refunds), sum(partial_refunds)"
            " FROM analytics.agg_refunds_daily"
        ).fetchone()
        sales = conn.execute("SELECT sum(net_revenue) FROM analytics.agg_sales_daily").fetchone()
        mismatches = conn.execute("SELECT count(*) FROM analytics.payment_mismatches").fetchone()
    assert {d: v.quantize(CENT) for d, v in mart_refunds.items()} == {
        d: v.quantize(CENT) for d, v in refunded.items()
    }
    assert {k: v.quantize(CENT) for k, v in mart_payments.items()} == {
        k: v.quantize(CENT) for k, v in paid.items()
    }
    # The generated shop's refunds are full refunds: those orders already left the revenue, so
    # nothing more comes off it, and the gross column is agg_sales_daily's.
    assert partial == 0 and after == gross == sales[0]
    assert mismatches == (0,)


def test_a_partial_refund_comes_off_revenue_on_its_own_day_and_the_gross_stays(
    built_copy: BuiltWarehouse, tmp_path
):
    shop_path = _shop_copy(built_copy, tmp_path)
    with psycopg.connect(built_copy.url) as conn:
        before = dict(
            conn.execute(
                "SELECT date_day::text, net_revenue FROM analytics.agg_refunds_daily"
            ).fetchall()
        )
    outcome = partial_refund_order(shop_path, random.Random(5))
    assert "slip" in outcome, outcome
    conn_shop = store.connect(shop_path)
    slip_json = conn_shop.execute("SELECT json FROM order_slip ORDER BY id DESC LIMIT 1").fetchone()
    conn_shop.close()
    slip = json.loads(slip_json[0])
    day = slip["date_add"][:10]
    expected = Decimal(slip["total_products_tax_excl"]) / Decimal(slip["conversion_rate"])
    with DemoShopServer(shop_path) as server:
        sync_from_shop(server, built_copy.url, ("order_slip", "orders"))
    run_dbt(built_copy.url, ["run"])
    with psycopg.connect(built_copy.url) as conn:
        row = conn.execute(
            "SELECT net_revenue, partial_refunds, net_revenue_after_refunds"
            " FROM analytics.agg_refunds_daily WHERE date_day = %s",
            (day,),
        ).fetchone()
        after = dict(
            conn.execute(
                "SELECT date_day::text, net_revenue FROM analytics.agg_refunds_daily"
            ).fetchall()
        )
    net, partial, net_after = row
    assert partial.quantize(CENT) == expected.quantize(CENT) > 0
    assert (net - partial).quantize(CENT) == net_after.quantize(CENT)
    # The gross figure did not move: the refund left the order as it was.
    assert {d: v for d, v in after.items() if d in before} == before


def _add_to_total_paid_real(shop_path, order_id: int, amount: Decimal, url: str) -> None:
    """Edit the order's total_paid_real in the shop, sync the orders and build."""
    with editing(shop_path) as shop:
        order = store.load(shop.conn, ORDERS, order_id)
        order["total_paid_real"] = f"{Decimal(order['total_paid_real']) + amount:.6f}"
        order["date_upd"] = shop.date
        store.write_records(shop.conn, ORDERS, [order], replace=True)
    with DemoShopServer(shop_path) as server:
        sync_from_shop(server, url, ("orders",))
    run_dbt(url, ["run"])


def test_an_order_whose_payments_do_not_add_up_is_flagged(built_copy: BuiltWarehouse, tmp_path):
    shop_path = _shop_copy(built_copy, tmp_path)
    with editing(shop_path) as shop:
        (order_id,) = shop.conn.execute(
            "SELECT id FROM orders WHERE json_extract(json, '$.total_paid_real') <> '0.000000'"
            " ORDER BY id LIMIT 1"
        ).fetchone()
        reference = store.load(shop.conn, ORDERS, order_id)["reference"]
    # A payment module that recorded more than the payment it created.
    _add_to_total_paid_real(shop_path, order_id, Decimal(10), built_copy.url)
    with psycopg.connect(built_copy.url) as conn:
        flagged = conn.execute(
            "SELECT order_reference, first_order_id, difference, reason"
            " FROM analytics.payment_mismatches"
        ).fetchall()
    assert flagged == [
        (reference, order_id, Decimal("-10.000000"), "payments short of total_paid_real")
    ]
    # The merchant corrects it: the incremental build takes the reference off the list.
    _add_to_total_paid_real(shop_path, order_id, Decimal(-10), built_copy.url)
    with psycopg.connect(built_copy.url) as conn:
        left = conn.execute("SELECT count(*) FROM analytics.payment_mismatches").fetchone()
        (incremental,) = conn.execute(
            "SELECT incremental FROM analytics.refresh_log"
            " WHERE view_name = 'analytics.payment_mismatches' ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    assert left == (0,) and incremental
