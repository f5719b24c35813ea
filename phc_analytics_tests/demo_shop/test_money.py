"""Credit slips and payments as the demo shop serves them: PrestaShop 8.2.1's resource names,
list keys, fields and quirks, consistent with the orders they belong to."""

from __future__ import annotations

import random
from decimal import Decimal

from phc_analytics.demo_shop import DemoShopServer, advance_shop, store
from phc_analytics.demo_shop.edits import partial_refund_order
from phc_analytics.demo_shop.model import ORDER_PAYMENTS, ORDER_SLIP
from phc_analytics_tests.support.shop import copy_shop


def test_order_slip_has_no_s_in_its_url_and_one_in_its_list_key(get_json):
    body = get_json("order_slip", display="full").json()
    slips = body["order_slips"]
    assert slips and list(slips[0])[:4] == ["id", "id_customer", "id_order", "conversion_rate"]
    assert [f.name for f in ORDER_SLIP.fields] == [k for k in slips[0] if k != "associations"]
    # Each slip line's "id" is the slip's own id (getWsOrderSlipDetails aliases it).
    for slip in slips:
        assert {line["id"] for line in slip["associations"]["order_slip_details"]} == {
            str(slip["id"])
        }
    assert get_json("order_slips").status_code == 400  # no such resource


def test_every_paid_order_has_one_payment_for_what_was_paid(get_json):
    orders = get_json("orders", display="[id,reference,total_paid_real,payment]").json()["orders"]
    payments = get_json("order_payments", display="full").json()["order_payments"]
    assert [f.name for f in ORDER_PAYMENTS.fields] == list(payments[0])
    by_reference: dict[str, list[dict]] = {}
    for payment in payments:
        by_reference.setdefault(payment["order_reference"], []).append(payment)
    for order in orders:
        found = by_reference.get(order["reference"], [])
        if order["total_paid_real"] == "0.000000":
            assert found == [], order
        else:
            assert [(p["amount"], p["payment_method"]) for p in found] == [
                (order["total_paid_real"], order["payment"])
            ], order


def test_a_refunded_order_has_a_slip_for_every_line_and_its_shipping(get_json):
    refunded = get_json("orders", display="full", **{"filter[current_state]": "[7]"}).json()
    slips = get_json("order_slip", display="full").json()["order_slips"]
    by_order = {slip["id_order"]: slip for slip in slips}
    for order in refunded["orders"]:
        slip = by_order[str(order["id"])]
        assert slip["total_products_tax_incl"] == order["total_products_wt"]
        assert slip["total_shipping_tax_incl"] == order["total_shipping_tax_incl"]
        lines = {row["id"] for row in order["associations"]["order_rows"]}
        assert {d["id_order_detail"] for d in slip["associations"]["order_slip_details"]} == lines


def test_a_partial_refund_adds_a_slip_and_leaves_the_order_untouched(shop_path, tmp_path):
    path = copy_shop(shop_path, tmp_path)
    conn = store.connect(path)
    before = dict(conn.execute("SELECT id, json FROM orders").fetchall())
    outcome = partial_refund_order(path, random.Random(3))
    slip_order = int(conn.execute("SELECT id_order FROM order_slip ORDER BY id DESC").fetchone()[0])
    after = dict(conn.execute("SELECT id, json FROM orders").fetchall())
    conn.close()
    assert f"order {slip_order}" in outcome
    assert after == before  # date_upd included: no incremental read sees a refund on the order
    with DemoShopServer(path) as server:
        import requests

        detail_rows = requests.get(
            f"{server.url}/api/order_details",
            params={"display": "full", "output_format": "JSON",
                    "filter[id_order]": f"[{slip_order}]"},
            auth=(server.ws_key, ""), timeout=30,
        ).json()["order_details"]  # fmt: skip
    assert sum(int(d["product_quantity_refunded"]) for d in detail_rows) >= 1


def test_advance_adds_payments_and_slips_consistently(shop_path, tmp_path):
    path = copy_shop(shop_path, tmp_path)
    conn = store.connect(path)
    count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
    payments, slips = count("order_payments"), count("order_slip")
    result = advance_shop(path, hours=24 * 30)
    assert count("order_payments") > payments
    assert count("order_slip") >= slips + result.partial_refunds + result.late_refunds
    amounts = conn.execute("SELECT json_extract(json, '$.amount') FROM order_payments").fetchall()
    conn.close()
    assert all(Decimal(a) > 0 for (a,) in amounts)
