"""Erasure: a customer the shop deletes (here by the psgdpr module) leaves no personal data in
any table of the warehouse, while their orders keep counting."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from psycopg import sql

from phc_analytics.demo_shop import DemoShopServer, store
from phc_analytics.demo_shop.deletes import gdpr_erase_customer
from phc_analytics.demo_shop.edits import editing
from phc_analytics.demo_shop.model import ADDRESSES, CUSTOMERS, ORDER_PAYMENTS
from phc_analytics.ingestion.erasure import (
    ADDRESS_PERSONAL_FIELDS,
    CUSTOMER_PERSONAL_FIELDS,
    ERASED_MARK,
    blanked,
    erase_deleted_customers,
)
from phc_analytics.ingestion.sweep import sweep_entity
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.dbt_runner import run_dbt

pytestmark = pytest.mark.server

EMAIL = "zq.planted.erasure7731@example.test"
FIRSTNAME = "Zyxplantedfirst"
LASTNAME = "Qqplantedlast"
PHONE = "+33 7 77 31 00 99"
CARD_HOLDER = "ZQ PLANTEDCARDHOLDER"
PLANTED = (EMAIL, FIRSTNAME, LASTNAME, PHONE, CARD_HOLDER)
PEOPLE = (BY_NAME["customers"], BY_NAME["addresses"], BY_NAME["orders"],
          BY_NAME["order_payments"])  # fmt: skip


def test_blanked_empties_only_personal_fields_and_marks_the_version():
    payload = {"id": 5, "email": "a@b.c", "firstname": "Ann", "id_lang": "1", "date_add": "x"}
    out = blanked(payload, CUSTOMER_PERSONAL_FIELDS, "2026-12-03 10:00:00")
    assert out == {
        "id": 5, "email": "", "firstname": "", "id_lang": "1", "date_add": "x",
        ERASED_MARK: "2026-12-03 10:00:00",
    }  # fmt: skip
    assert {"address1", "phone", "dni", "vat_number"} <= set(ADDRESS_PERSONAL_FIELDS)
    assert "id_country" not in ADDRESS_PERSONAL_FIELDS and "postcode" not in ADDRESS_PERSONAL_FIELDS


def _hits(url: str) -> dict[str, list[str]]:
    """For each planted string, the tables (in every schema) holding it anywhere in a row."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid ="
            " c.relnamespace WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN"
            " ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
            " AND n.nspname NOT LIKE 'pg_temp%'"
        ).fetchall()
        assert len(tables) > 30  # raw, staging and analytics are all searched
        hits: dict[str, list[str]] = {text: [] for text in PLANTED}
        for schema, name in tables:
            table = sql.Identifier(schema, name)
            for text in PLANTED:
                found = conn.execute(
                    sql.SQL("SELECT EXISTS (SELECT 1 FROM {} AS t WHERE t::text ILIKE %s)").format(
                        table
                    ),
                    (f"%{text}%",),
                ).fetchone()[0]
                if found:
                    hits[text].append(f"{schema}.{name}")
    return hits


def _sync_people(server, url: str, sweep: bool) -> None:
    client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    try:
        with psycopg.connect(url) as conn:
            for entity in PEOPLE:
                sync_entity(client, conn, entity, SyncRequest.everything(), run_id="erasure")
                if sweep:
                    sweep_entity(client, conn, entity, run_id="erasure")
                erase_deleted_customers(conn, run_id="erasure")
    finally:
        client.close()


def test_an_erased_customer_leaves_no_personal_data_in_any_table(
    built_copy: BuiltWarehouse, tmp_path
):
    shop_path = tmp_path / "shop.sqlite"
    shutil.copyfile(built_copy.shop_path, shop_path)
    conn_shop = store.connect(shop_path)
    customer_id, address_id = conn_shop.execute(
        "SELECT o.id_customer, a.id FROM orders o JOIN addresses a ON a.id_customer ="
        " o.id_customer WHERE json_extract(o.json, '$.total_paid_real') <> '0.000000'"
        " ORDER BY o.id DESC LIMIT 1"
    ).fetchone()
    conn_shop.close()
    with editing(shop_path) as shop:
        customer = store.load(shop.conn, CUSTOMERS, customer_id)
        customer.update(email=EMAIL, firstname=FIRSTNAME, lastname=LASTNAME, date_upd=shop.date)
        store.write_records(shop.conn, CUSTOMERS, [customer], replace=True)
        address = store.load(shop.conn, ADDRESSES, address_id)
        address.update(firstname=FIRSTNAME, lastname=LASTNAME, phone=PHONE, date_upd=shop.date)
        store.write_records(shop.conn, ADDRESSES, [address], replace=True)
        # A card module that recorded the holder's name on a payment of one of their orders,
        # recorded now (payments are read by date_add).
        (reference,) = shop.conn.execute(
            "SELECT json_extract(json, '$.reference') FROM orders WHERE id_customer = ?"
            " AND json_extract(json, '$.total_paid_real') <> '0.000000' LIMIT 1",
            (customer_id,),
        ).fetchone()
        (payment_id,) = shop.conn.execute(
            "SELECT id FROM order_payments WHERE json_extract(json, '$.order_reference') = ?",
            (reference,),
        ).fetchone()
        payment = store.load(shop.conn, ORDER_PAYMENTS, payment_id)
        payment.update(
            card_holder=CARD_HOLDER, card_brand="visa", card_number="XXXX4242", date_add=shop.date
        )
        store.write_records(shop.conn, ORDER_PAYMENTS, [payment], replace=True)

    with DemoShopServer(shop_path) as server:
        _sync_people(server, built_copy.url, sweep=False)
        run_dbt(built_copy.url, ["run"])
        planted = _hits(built_copy.url)
        # Before: every string is in raw, and the names and email in staging and the marts
        # (the card holder is never staged: only raw holds it).
        assert all(any(t.startswith("raw.") for t in planted[text]) for text in PLANTED), planted
        assert "staging.stg_customers" in planted[EMAIL]
        assert "analytics.dim_customer" in planted[EMAIL]
        with psycopg.connect(built_copy.url) as conn:
            revenue_before = conn.execute(
                "SELECT sum(net_revenue) FROM analytics.fct_orders WHERE customer_id = %s",
                (customer_id,),
            ).fetchone()[0]

        with editing(shop_path) as shop:
            assert gdpr_erase_customer(shop.conn, customer_id, shop.now)
        _sync_people(server, built_copy.url, sweep=True)
        run_dbt(built_copy.url, ["run"])

    assert _hits(built_copy.url) == {text: [] for text in PLANTED}
    with psycopg.connect(built_copy.url) as conn:
        log = conn.execute(
            "SELECT reason, tables FROM staging.erasure_log WHERE customer_id = %s",
            (customer_id,),
        ).fetchall()
        removed, email = conn.execute(
            "SELECT is_removed, email FROM analytics.dim_customer WHERE customer_id = %s",
            (customer_id,),
        ).fetchone()
        revenue_after = conn.execute(
            "SELECT sum(net_revenue) FROM analytics.fct_orders WHERE customer_id = %s",
            (customer_id,),
        ).fetchone()[0]
    assert [reason for reason, _ in log] == ["removed from the shop"]
    # The customer's own versions, their addresses', and their payments' (card fields).
    assert set(log[0][1]) == {"raw.customers", "raw.addresses", "raw.order_payments"}
    assert removed is True and email == ""
    # The customer's orders still count.
    assert revenue_after == revenue_before and revenue_before is not None
