"""Plant bad records in a shop file, deterministically, for the bad-data tests.

A real PrestaShop serves bad data when a module, an import script or a hand-made SQL fix writes
values the core never would: an impossible date, 'abc' in an amount, a field removed by an
override, an object where a string belongs, a megabyte of text in a name, text that was not
UTF-8, an order pointing at a customer that was deleted from the database.

Non-UTF-8 text: PrestaShop's JSON output is ``json_encode($content, JSON_UNESCAPED_UNICODE)``,
which *fails* (returns false, an empty body) on invalid bytes, so invalid bytes themselves never
reach a client. What does reach it is what MySQL and PHP made of them before: U+FFFD where a
conversion (``mb_convert_encoding``, a utf8mb4 connection reading latin1 bytes) replaced an
undecodable byte, or mojibake ("MÃ¼ller") where latin1 bytes were stored through a latin1
connection into a utf8 column. Both are planted: the first is quarantined (the text is lost),
the second is valid UTF-8 that nothing can tell apart from a real name, so it is typed as is.

Records are edited in place (same ids, same indexed columns, so paging and date filters behave
as before); only the JSON the server sends changes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from phc_analytics.demo_shop import store
from phc_analytics.demo_shop.model import RESOURCES

ENORMOUS_CHARS = 1024 * 1024  # a 1 MB name
MISSING_CUSTOMER_OFFSET = 100_000

# What each planted record is, and whether staging must quarantine it (True) or type it (False).
KINDS: dict[str, tuple[str, bool]] = {
    "invalid_date": ("orders", True),
    "non_numeric_amount": ("orders", True),
    "negative_amount": ("orders", True),
    "missing_field": ("orders", True),
    "unknown_customer": ("orders", True),
    "zero_date": ("orders", False),
    "unexpected_type": ("customers", True),
    "replacement_character": ("customers", True),
    "mojibake": ("customers", False),
    "enormous_string": ("products", True),
}


def plant_bad_records(shop_path: str | Path) -> dict[str, tuple[str, int]]:
    """Turn a few records of the shop into bad ones; returns kind -> (entity, id).

    Deterministic for a given shop file. Customers and products are chosen among those no
    order references, so what the marts lose is exactly the planted records."""
    with store.writing(shop_path) as conn:
        planted = _plant(conn)
    return planted


def _plant(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    orders = _ids(conn, "orders")
    if len(orders) < 6:
        raise ValueError("plant_bad_records needs a shop with at least 6 orders")
    ordered_customers, sold_products = set(), set()
    for (raw,) in conn.execute("SELECT json FROM orders"):
        record = json.loads(raw)
        ordered_customers.add(int(record["id_customer"]))
        for row in record.get("associations", {}).get("order_rows", []):
            sold_products.add(int(row["product_id"]))
    idle_customers = [i for i in _ids(conn, "customers") if i not in ordered_customers]
    idle_products = [i for i in _ids(conn, "products") if i not in sold_products]
    if len(idle_customers) < 3 or not idle_products:
        raise ValueError("plant_bad_records needs 3 customers and 1 product without orders")
    # The newest orders: the ones a merchant is looking at when something goes wrong.
    o = orders[-6:]
    c = idle_customers[:3]
    p = idle_products[0]
    missing_customer = max(_ids(conn, "customers")) + MISSING_CUSTOMER_OFFSET

    edits = {
        "invalid_date": ("orders", o[0], lambda r: r.update(date_add="2024-13-45 99:00:00")),
        "non_numeric_amount": ("orders", o[1], lambda r: r.update(total_paid_tax_incl="abc")),
        "negative_amount": (
            "orders", o[2], lambda r: r.update(total_paid_tax_excl="-25.000000",
                                              total_paid_tax_incl="-30.000000"),
        ),
        "missing_field": ("orders", o[3], lambda r: r.pop("total_paid_tax_excl")),
        "unknown_customer": (
            "orders", o[4], lambda r: r.update(id_customer=str(missing_customer)),
        ),
        # PrestaShop's "no invoice yet": a normal value, never quarantined.
        "zero_date": (
            "orders", o[5], lambda r: r.update(invoice_date="0000-00-00 00:00:00",
                                              delivery_date="0000-00-00 00:00:00"),
        ),
        "unexpected_type": (
            "customers", c[0], lambda r: r.update(firstname={"id": "1", "value": "Anna"}),
        ),
        "replacement_character": (
            "customers", c[1], lambda r: r.update(lastname="M\ufffdller"),
        ),
        "mojibake": ("customers", c[2], lambda r: r.update(lastname="MÃ¼ller")),
        "enormous_string": ("products", p, _enormous_name),
    }  # fmt: skip
    planted = {}
    for kind, (entity, record_id, edit) in edits.items():
        res = RESOURCES[entity]
        record = store.load(conn, res, record_id)
        original = dict(record)
        edit(record)
        values = [record_id, *(_column(col, record, original) for col in res.indexed)]
        conn.execute(store.insert_sql(res, replace=True), (*values, store.php_json(record)))
        planted[kind] = (entity, record_id)
    return planted


def _column(col: str, record: dict, original: dict):
    """The shop's real column: dates stay the valid originals (the date filters keep working);
    an id column follows the edit (an unknown id_customer is one in the database too)."""
    if col.startswith("date_"):
        return original[col]
    value = record.get(col, original[col])
    return int(value) if str(value).isdigit() else int(original[col] or 0)


def _enormous_name(record: dict) -> None:
    name = record["name"]
    big = "X" * ENORMOUS_CHARS
    if isinstance(name, list):
        record["name"] = [{"id": item["id"], "value": big} for item in name]
    else:
        record["name"] = big


def _ids(conn: sqlite3.Connection, table: str) -> list[int]:
    return [row[0] for row in conn.execute(f"SELECT id FROM {table} ORDER BY id")]
