"""Money across stores with their own default currency: each order at its own rate to its
store's currency, then to the reporting currency at the rate of its day (docs/models.md)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from decimal import Decimal

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, generate_shop
from phc_analytics.errors import PhcError
from phc_analytics.transform import changes
from phc_analytics_tests.correctness.dbt_inprocess import InProcessDbt
from phc_analytics_tests.support.shop import sync_from_shop

pytestmark = pytest.mark.server
SELECT = ["--select", "+fct_orders", "+agg_payments_daily", "+agg_refunds_daily", "+dim_shop",
          "+dim_customer", "+dim_product", "+agg_carts_daily"]  # fmt: skip
# The demo shop's currencies, against its default (EUR): reference_data.CURRENCIES.
RATES = {"1": Decimal("1"), "3": Decimal("0.86")}
STORE_CURRENCY = {"1": "1", "2": "1", "3": "3"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, pg_admin_url, migrated_template, dbt_manifest):
    from phc_analytics_tests.support.databases import (
        copy_database,
        drop_database,
        session_name,
        with_database,
    )

    work = tmp_path_factory.mktemp("currencies")
    path = work / "shop.sqlite"
    generate_shop(path, orders=300, seed=41, end=datetime(2025, 6, 1), stores=3)
    name = copy_database(pg_admin_url, migrated_template, session_name("currencies"))
    url = with_database(pg_admin_url, name)
    try:
        with DemoShopServer(path) as server:
            sync_from_shop(server, url)
            yield path, url, InProcessDbt(url, work / "dbt"), server
    finally:
        drop_database(pg_admin_url, name)


def shop_orders(path) -> dict[int, dict]:
    with sqlite3.connect(path) as conn:
        return {r[0]: json.loads(r[1]) for r in conn.execute("SELECT id, json FROM orders")}


def expected_net(order: dict, reporting: str) -> Decimal:
    net = Decimal(order["total_paid_tax_excl"]) - Decimal(order["total_shipping_tax_excl"])
    in_store = net / Decimal(order["conversion_rate"])
    store = STORE_CURRENCY[order["id_shop"]]
    return in_store * RATES[reporting] / RATES[store]


def facts(url) -> dict[int, tuple]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT order_id, net_revenue, net_revenue_order_currency, currency, shop_id,"
            " order_currency FROM analytics.fct_orders"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_each_order_is_converted_through_its_stores_currency(warehouse, monkeypatch):
    path, url, dbt, server = warehouse
    monkeypatch.delenv("PHC_REPORTING_CURRENCY", raising=False)
    dbt("build", *SELECT)
    orders = shop_orders(path)
    built = facts(url)
    assert built.keys() == orders.keys()
    uk = [oid for oid, o in orders.items() if o["id_shop"] == "3"]
    assert uk, "the shop has orders in its pound store"
    for oid, order in orders.items():
        net, net_order_currency, currency, shop_id, _ = built[oid]
        assert currency == "EUR" and str(shop_id) == order["id_shop"]
        assert net == pytest.approx(expected_net(order, "1"), abs=Decimal("1e-9")), oid
        assert net_order_currency == Decimal(order["total_paid_tax_excl"]) - Decimal(
            order["total_shipping_tax_excl"]
        )
    # An order in the euro store divided by its own rate only: no conversion digits added.
    euro = next(o for o in orders.values() if o["id_shop"] == "1")
    net = Decimal(euro["total_paid_tax_excl"]) - Decimal(euro["total_shipping_tax_excl"])
    assert built[euro["id"]][0] == net / Decimal(euro["conversion_rate"])
    with psycopg.connect(url) as conn:
        payments = conn.execute("SELECT sum(amount) FROM analytics.agg_payments_daily").fetchone()[
            0
        ]
        currencies = conn.execute(
            "SELECT DISTINCT currency FROM analytics.agg_payments_daily"
        ).fetchall()
        assert changes.reporting_currency_reason(conn) is None
    paid = Decimal(0)
    with sqlite3.connect(path) as conn:
        for (raw,) in conn.execute("SELECT json FROM order_payments"):
            p = json.loads(raw)
            order = next(o for o in orders.values() if o["reference"] == p["order_reference"])
            store = STORE_CURRENCY[order["id_shop"]]
            paid += Decimal(p["amount"]) / Decimal(p["conversion_rate"]) / RATES[store]
    assert payments == pytest.approx(paid, abs=Decimal("1e-6"))
    assert currencies == [("EUR",)]
    reconciled = reconcile_differences(server, url)
    assert reconciled == [], reconciled


def reconcile_differences(server, url) -> list:
    """phc-analytics reconcile's comparison: revenue per month and store in each store's own
    currency, refunds in the reporting currency."""
    from phc_analytics.prestashop.client import PrestaShopClient
    from phc_analytics.reporting import reconcile

    client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    try:
        shop = reconcile.shop_figures(client)
    finally:
        client.close()
    with psycopg.connect(url) as conn:
        warehouse = reconcile.warehouse_figures(conn, "default")
    assert any(key.endswith("store 3") for key in shop.revenue_by_month)
    return reconcile.compare(shop, warehouse)


def test_another_reporting_currency_rebuilds_the_marts_in_it(warehouse, monkeypatch):
    path, url, dbt, server = warehouse
    monkeypatch.setenv("PHC_REPORTING_CURRENCY", "gbp")
    with psycopg.connect(url) as conn:
        assert changes.reporting_currency_reason(conn) == (
            "the reporting currency changed from EUR to GBP"
        )
    dbt("build", "--full-refresh", *SELECT)
    orders = shop_orders(path)
    for oid, (net, *_rest) in facts(url).items():
        assert _rest[1] == "GBP"
        assert net == pytest.approx(expected_net(orders[oid], "3"), abs=Decimal("1e-9")), oid
    assert reconcile_differences(server, url) == []
    monkeypatch.setenv("PHC_REPORTING_CURRENCY", "JPY")
    with psycopg.connect(url) as conn, pytest.raises(PhcError) as e:
        changes.reporting_currency_reason(conn)
    assert (
        "PHC_REPORTING_CURRENCY=JPY is not a currency of any shop (they have CHF, EUR, GBP, USD)"
        in str(e.value)
    )


def test_a_days_rate_is_the_last_version_seen_before_it(migrated_database, dbt_manifest, tmp_path):
    """stg_currency_rates: a version first seen on day D is in force from D + 1; one replaced on
    the day it was seen never is; days before the first version take the first."""
    seen = [
        ("2025-01-10 09:00+00", "1.080000"),
        ("2025-02-01 08:00+00", "1.100000"),
        ("2025-02-01 18:00+00", "1.120000"),
        ("2025-03-05 12:00+00", "1.150000"),
    ]
    with psycopg.connect(migrated_database) as conn:
        for at, rate in seen:
            payload = json.dumps({"id": 2, "iso_code": "USD", "conversion_rate": rate})
            conn.execute(
                "INSERT INTO raw.currencies (id, payload_hash, payload, first_seen_at)"
                " VALUES (2, md5(%s), %s::jsonb, %s)",
                (payload, payload, at),
            )
    InProcessDbt(migrated_database, tmp_path / "dbt")("build", "--select", "stg_currency_rates")
    expected = {
        "2024-12-31": "1.080000",
        "2025-01-10": "1.080000",
        "2025-01-11": "1.080000",
        "2025-02-01": "1.080000",
        "2025-02-02": "1.120000",
        "2025-03-05": "1.120000",
        "2025-03-06": "1.150000",
    }
    with psycopg.connect(migrated_database) as conn:
        found = {
            day: str(
                conn.execute(
                    "SELECT rate FROM staging.stg_currency_rates WHERE currency_id = 2"
                    " AND valid_from <= %s::date AND %s::date < valid_to",
                    (day, day),
                ).fetchone()[0]
            )
            for day in expected
        }
    assert found == expected
