"""Generator and advance invariants, read straight from the shop file."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from decimal import Decimal

import pytest

from phc_analytics.demo_shop import advance_shop, generate_shop
from phc_analytics.demo_shop.reference_data import STATE
from phc_analytics_tests.demo_shop.conftest import END, SEED

ZERO = "0000-00-00 00:00:00"


def records(path, table: str) -> list[dict]:
    with sqlite3.connect(path) as conn:
        return [json.loads(r[0]) for r in conn.execute(f"SELECT json FROM {table} ORDER BY id")]


def checksum(path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def shop(shop_path):
    orders = records(shop_path, "orders")
    histories = records(shop_path, "order_histories")
    return orders, histories


def test_totals_match_lines_within_rounding(shop):
    orders, _ = shop
    cent = Decimal("0.01")
    for o in orders:
        rows = o["associations"]["order_rows"]
        excl = sum(Decimal(r["unit_price_tax_excl"]) * int(r["product_quantity"]) for r in rows)
        incl = sum(Decimal(r["unit_price_tax_incl"]) * int(r["product_quantity"]) for r in rows)
        tolerance = Decimal("0.005") * len(rows) + Decimal("0.000001")
        assert abs(excl - Decimal(o["total_products"])) <= tolerance
        assert abs(incl - Decimal(o["total_products_wt"])) <= tolerance
        paid_excl = (
            Decimal(o["total_products"])
            - Decimal(o["total_discounts_tax_excl"])
            + Decimal(o["total_shipping_tax_excl"])
            + Decimal(o["total_wrapping_tax_excl"])
        )
        assert paid_excl == Decimal(o["total_paid_tax_excl"])
        assert o["total_paid"] == o["total_paid_tax_incl"]
        assert o["total_discounts"] == o["total_discounts_tax_incl"]
        assert o["total_shipping"] == o["total_shipping_tax_incl"]
        assert o["total_wrapping"] == o["total_wrapping_tax_incl"]
        assert Decimal(o["total_paid_tax_incl"]) >= Decimal(o["total_paid_tax_excl"]) >= 0
        assert Decimal(o["total_paid_real"]) in (Decimal(0), Decimal(o["total_paid_tax_incl"]))
        assert Decimal(o["total_products"]).quantize(cent) == Decimal(o["total_products"])


def test_valid_current_state_and_dates(shop):
    orders, histories = shop
    by_order: dict[str, list[dict]] = {}
    for h in histories:
        by_order.setdefault(h["id_order"], []).append(h)
    for o in orders:
        hs = sorted(by_order[str(o["id"])], key=lambda h: (h["date_add"], h["id"]))
        assert o["current_state"] == hs[-1]["id_order_state"]
        assert o["valid"] == str(STATE[int(o["current_state"])].logable)
        assert o["date_add"] <= o["date_upd"] == hs[-1]["date_add"]
        assert hs[0]["date_add"] == o["date_add"]
        assert o["invoice_date"] == ZERO or o["invoice_date"] >= o["date_add"]
        assert o["delivery_date"] == ZERO or o["delivery_date"] >= o["date_add"]
        assert o["date_upd"] <= END.strftime("%Y-%m-%d %H:%M:%S")


def test_realistic_shapes(shop_path, shop):
    orders, _ = shop
    states = [o["current_state"] for o in orders]
    share = {s: states.count(s) / len(states) for s in set(states)}
    assert share["5"] > 0.6  # most orders end delivered
    assert 0.01 < share.get("6", 0) < 0.15  # cancellations
    assert 0 < share.get("7", 0) < 0.08  # refunds
    assert any(o["id_currency"] != "1" and o["conversion_rate"] != "1.000000" for o in orders)
    per_customer: dict[str, int] = {}
    for o in orders:
        per_customer[o["id_customer"]] = per_customer.get(o["id_customer"], 0) + 1
    counts = sorted(per_customer.values())
    assert counts[-1] >= 5 * counts[len(counts) // 2]  # long tail and a few big spenders
    assert counts.count(1) > len(counts) / 5  # many one-off buyers
    years = [o["date_add"][:4] for o in orders]
    assert years.count("2024") > years.count("2022")  # growth
    customers = records(shop_path, "customers")
    assert any(c["is_guest"] == "1" for c in customers)
    assert any(c["deleted"] == "1" for c in customers)
    products = records(shop_path, "products")
    assert any(p["active"] == "0" for p in products)
    addresses = records(shop_path, "addresses")
    assert any(a["deleted"] == "1" for a in addresses)


def test_same_seed_same_shop(tmp_path):
    a, b, c = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    generate_shop(a, orders=300, seed=SEED, end=END)
    generate_shop(b, orders=300, seed=SEED, end=END)
    generate_shop(c, orders=300, seed=SEED + 1, end=END)
    assert checksum(a) == checksum(b)
    assert checksum(a) != checksum(c)
    advance_shop(a, hours=48)
    advance_shop(b, hours=48)
    assert checksum(a) == checksum(b)


def test_advance_adds_data_and_bumps_date_upd(shop_path, tmp_path):
    path = tmp_path / "advanced.sqlite"
    shutil.copy(shop_path, path)
    before = {o["id"]: o for o in records(path, "orders")}
    histories_before = len(records(path, "order_histories"))
    result = advance_shop(path, hours=24 * 14)
    after = {o["id"]: o for o in records(path, "orders")}
    assert result.clock == "2025-06-15 00:00:00"
    assert result.new_orders > 0 and len(after) == len(before) + result.new_orders
    assert result.state_changes > 0
    changed = [i for i in before if before[i]["current_state"] != after[i]["current_state"]]
    assert changed
    for i in changed:
        assert after[i]["date_upd"] > before[i]["date_upd"] >= "2025-05-01"
        assert after[i]["valid"] == str(STATE[int(after[i]["current_state"])].logable)
    assert len(records(path, "order_histories")) >= histories_before + result.state_changes
    for i in range(len(before) + 1, len(after) + 1):
        assert after[i]["date_add"] >= "2025-06-01 00:00:00"
