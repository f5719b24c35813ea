"""Edits of a demo shop file that ``advance_shop`` does not make, written the way PrestaShop
writes them: a back-office state change on an old order (``OrderHistory::changeIdOrderState``:
an ``order_histories`` row, ``current_state``/``valid``, ``date_upd``, invoice and delivery
numbers, and for a refund the credit-slip amounts on the order details), a cancellation of an
order still in flight, edits of old customers and products (``date_upd`` bumped), and the odd
values real shops serve (``plant_edge_cases``).

Tests build and change shops with these and with ``generate_shop``/``advance_shop``: there is one
model of PrestaShop in the codebase, this package.

Every change is dated at the shop clock: that is "now" for the shop (``advance_shop`` dates its
events at or before it), so the cursor values never go backwards, as on a real shop. Several
changes can share that second, and an edit can land in the very second the last sync read up to:
the sync reads from its watermark inclusively, which is one of the things under test.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from phc_analytics.demo_shop import clock, store
from phc_analytics.demo_shop.model import (
    COUNTRIES,
    CUSTOMERS,
    ORDER_DETAILS,
    ORDERS,
    PRODUCTS,
)
from phc_analytics.demo_shop.money import partial_refund, record_state_money
from phc_analytics.demo_shop.orders import Counters, apply_state, history_json, refund_details
from phc_analytics.demo_shop.reference_data import STATE

DELIVERED, CANCELED, REFUNDED, PAYMENT_ERROR = 5, 6, 7, 8
BACKORDER_PAID, BACKORDER_UNPAID = 9, 12
# States a merchant sets by hand on an old order (reopening, correcting, cancelling...).
MANUAL_STATES = (2, 3, 4, DELIVERED, CANCELED, REFUNDED, PAYMENT_ERROR)
MONTH = 30 * clock.DAY


@dataclass
class Shop:
    """An open transaction on the shop file, with "now" and PrestaShop's sequences."""

    conn: sqlite3.Connection
    now: int
    counters: Counters

    @property
    def date(self) -> str:
        return clock.fmt(self.now)


@contextmanager
def editing(path: Path) -> Iterator[Shop]:
    """The shop file in one write transaction, with its clock and sequences; the sequences
    are saved back when the block ends."""
    with store.writing(path) as conn:
        meta = store.get_meta(conn)
        counters = Counters(
            int(meta["next_invoice"]), int(meta["next_delivery"]), int(meta["last_cart"])
        )
        yield Shop(conn, clock.parse(meta["clock"]), counters)
        store.set_meta(
            conn,
            {
                "next_invoice": counters.invoice,
                "next_delivery": counters.delivery,
                "last_cart": counters.cart,
            },
        )


def _details(conn: sqlite3.Connection, order_id: int) -> list[dict]:
    rows = conn.execute(
        "SELECT json FROM order_details WHERE id_order = ? ORDER BY id", (order_id,)
    )
    return [json.loads(r[0]) for r in rows]


def set_order_state(shop: Shop, order_id: int, state: int, employee: int = 1) -> None:
    """A state change from the back office, now: history row, order fields, and for a refund
    the order details' refunded quantities and amounts. A cancelled, refunded or failed order
    has no future: its planned transitions (the demo shop's ``pending``) are dropped."""
    conn = shop.conn
    order = store.load(conn, ORDERS, order_id)
    details = _details(conn, order_id)
    paid_before = order["total_paid_real"] != "0.000000"
    apply_state(order, state, shop.now, shop.counters, shop.date)
    if state == REFUNDED:
        refund_details(details)
    record_state_money(conn, order, details, state, shop.date, paid_before)
    store.write_records(conn, ORDERS, [order], replace=True)
    store.write_records(conn, ORDER_DETAILS, details, replace=True)
    (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM order_histories").fetchone()
    conn.execute(
        "INSERT INTO order_histories (id, id_order, date_add, json) VALUES (?,?,?,?)",
        (
            last + 1,
            order_id,
            shop.date,
            history_json(last + 1, employee, state, order_id, shop.now),
        ),
    )
    if state in (CANCELED, REFUNDED, PAYMENT_ERROR):
        conn.execute("DELETE FROM pending WHERE id_order = ?", (order_id,))


def _month_old_ids(shop: Shop, table: str) -> list[int]:
    """Ids of the records of ``table`` created a month or more before the shop clock."""
    rows = shop.conn.execute(
        f"SELECT id FROM {table} WHERE date_add < ? ORDER BY id", (clock.fmt(shop.now - MONTH),)
    )
    return [r[0] for r in rows]


def _pick(conn: sqlite3.Connection, rng: random.Random, sql: str, params: tuple) -> int | None:
    ids = [r[0] for r in conn.execute(sql, params)]
    return rng.choice(ids) if ids else None


def refund_old_order(path: Path, rng: random.Random) -> str:
    """A delivered order at least a month old is refunded now."""
    with editing(path) as shop:
        order_id = _pick(
            shop.conn,
            rng,
            "SELECT id FROM orders WHERE current_state = ? AND date_add < ? ORDER BY id",
            (DELIVERED, clock.fmt(shop.now - MONTH)),
        )
        if order_id is None:
            return "refund_old: no delivered order older than a month"
        set_order_state(shop, order_id, REFUNDED)
        return f"refund_old: order {order_id} refunded at {shop.date}"


def partial_refund_order(path: Path, rng: random.Random) -> str:
    """A paid order gets one unit of one line refunded now, with a credit slip; the order
    itself does not change (``date_upd`` included)."""
    with editing(path) as shop:
        order_id = _pick(
            shop.conn,
            rng,
            "SELECT id FROM orders WHERE json_extract(json, '$.total_paid_real') <> '0.000000'"
            " AND current_state NOT IN (?, ?, ?) ORDER BY id",
            (CANCELED, REFUNDED, PAYMENT_ERROR),
        )
        if order_id is None:
            return "partial_refund: no paid order"
        slip = partial_refund(shop.conn, order_id, rng, shop.date)
        if slip is None:
            return f"partial_refund: order {order_id} has nothing left to refund"
        return (
            f"partial_refund: order {order_id}, slip {slip['id']} ({slip['amount']}) at {shop.date}"
        )


def change_old_order_state(path: Path, rng: random.Random) -> str:
    """An order at least a month old gets another state by hand, one that flips its validity
    (the case that moves revenue): a cancelled or failed order reopened as paid, shipped or
    delivered; a valid one cancelled, refunded or marked in error."""
    with editing(path) as shop:
        order_id = _pick(
            shop.conn,
            rng,
            "SELECT id FROM orders WHERE date_add < ? ORDER BY id",
            (clock.fmt(shop.now - MONTH),),
        )
        if order_id is None:
            return "old_state: no order older than a month"
        (current,) = shop.conn.execute(
            "SELECT current_state FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        state = rng.choice([s for s in MANUAL_STATES if STATE[s].logable != STATE[current].logable])
        set_order_state(shop, order_id, state)
        return f"old_state: order {order_id} {current} -> {state} at {shop.date}"


def cancel_order(path: Path, rng: random.Random) -> str:
    """An order still in flight (transitions pending) is cancelled now; when none is, the most
    recent order that is not already cancelled."""
    with editing(path) as shop:
        order_id = _pick(
            shop.conn, rng, "SELECT DISTINCT id_order FROM pending ORDER BY id_order", ()
        )
        if order_id is None:
            order_id = _pick(
                shop.conn,
                rng,
                "SELECT id FROM orders WHERE current_state <> ? ORDER BY id DESC LIMIT 5",
                (CANCELED,),
            )
        if order_id is None:
            return "cancel: no order"
        set_order_state(shop, order_id, CANCELED)
        return f"cancel: order {order_id} cancelled at {shop.date}"


def edit_old_customers(path: Path, rng: random.Random, count: int) -> str:
    """Customers who signed up at least a month ago change name, e-mail, newsletter, or get
    deleted (PrestaShop's soft delete: deleted=1, active=0)."""
    edited = []
    with editing(path) as shop:
        ids = _month_old_ids(shop, "customers")
        for customer_id in rng.sample(ids, min(count, len(ids))):
            customer = store.load(shop.conn, CUSTOMERS, customer_id)
            kind = rng.choice(("name", "email", "newsletter", "delete"))
            if kind == "name":
                customer["lastname"] = customer["lastname"] + "-" + rng.choice(("Martin", "Rossi"))
            elif kind == "email":
                customer["email"] = f"changed{rng.randrange(10**6)}.{customer_id}@mail.example.com"
            elif kind == "newsletter":
                subscribed = customer["newsletter"] == "1"
                customer["newsletter"] = "0" if subscribed else "1"
                customer["newsletter_date_add"] = clock.ZERO_DATETIME if subscribed else shop.date
            else:
                customer["deleted"], customer["active"] = "1", "0"
            customer["date_upd"] = shop.date
            store.write_records(shop.conn, CUSTOMERS, [customer], replace=True)
            edited.append(f"{customer_id}:{kind}")
    return f"customers: {', '.join(edited)} at {shop.date}"


def edit_old_products(path: Path, rng: random.Random, count: int) -> str:
    """Products created at least a month ago get a new price, a new wholesale (purchase) price,
    a new default category, a new name, or are switched on or off."""
    edited = []
    with editing(path) as shop:
        ids = _month_old_ids(shop, "products")
        leaves = sorted(
            {
                json.loads(r[0])["id_category_default"]
                for r in shop.conn.execute("SELECT json FROM products")
            }
        )
        for product_id in rng.sample(ids, min(count, len(ids))):
            product = store.load(shop.conn, PRODUCTS, product_id)
            kind = rng.choice(("price", "wholesale", "category", "name", "active"))
            if kind == "price":
                factor = rng.choice((0.8, 0.9, 1.1, 1.25))
                product["price"] = f"{float(product['price']) * factor:.6f}"
            elif kind == "wholesale":
                factor = rng.choice((0.5, 0.9, 1.1, 1.5))
                product["wholesale_price"] = f"{float(product['wholesale_price']) * factor:.6f}"
            elif kind == "category":
                category = rng.choice([c for c in leaves if c != product["id_category_default"]])
                product["id_category_default"] = category
                product["associations"]["categories"] = [{"id": "2"}, {"id": category}]
            elif kind == "name":
                for translation in product["name"]:
                    translation["value"] += " (v2)"
            else:
                active = product["active"] == "1"
                product["active"] = product["available_for_order"] = "0" if active else "1"
            product["date_upd"] = shop.date
            store.write_records(shop.conn, PRODUCTS, [product], replace=True)
            edited.append(f"{product_id}:{kind}")
    return f"products: {', '.join(edited)} at {shop.date}"


# What plant_edge_cases changes; each must be typed (NULL where unreadable), never quarantined,
# and no dbt test may fail or warn on it: these are values real shops serve.
EDGE_CASES = (
    "single_language_country",  # a one-language shop sends a plain string, not a list
    "unreadable_wholesale_price",  # a module wrote "n/a": no margin, not a failure
    "zero_wholesale_price",  # PrestaShop's "no purchase price"
    "impossible_birthday",  # MySQL with ALLOW_INVALID_DATES kept 1990-02-30
    "backorder_unpaid",  # PS_OS_OUTOFSTOCK_UNPAID, which the generator never draws
    "backorder_paid",  # PS_OS_OUTOFSTOCK_PAID, drawn rarely
)


def plant_edge_cases(path: Path) -> dict[str, tuple[str, int]]:
    """Give a few records of the shop the values above; returns kind -> (resource, id).

    Deterministic for a given shop file. The country is one that orders ship to, the products
    ones that sold, the orders the two most recent that are still awaiting payment (their state
    then changes now, as in the back office)."""
    planted: dict[str, tuple[str, int]] = {}
    with editing(path) as shop:
        conn = shop.conn
        (country_id,) = conn.execute(
            "SELECT CAST(json_extract(a.json, '$.id_country') AS INTEGER) FROM orders o"
            " JOIN addresses a ON a.id = CAST(json_extract(o.json, '$.id_address_delivery')"
            " AS INTEGER) GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
        ).fetchone()
        country = store.load(conn, COUNTRIES, country_id)
        country["name"] = country["name"][0]["value"]
        store.write_records(conn, COUNTRIES, [country], replace=True)
        planted["single_language_country"] = ("countries", country_id)

        sold = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT CAST(json_extract(json, '$.product_id') AS INTEGER)"
                " FROM order_details ORDER BY 1 LIMIT 2"
            )
        ]
        for kind, product_id, value in zip(
            ("unreadable_wholesale_price", "zero_wholesale_price"),
            sold,
            ("n/a", "0.000000"),
            strict=True,
        ):
            product = store.load(conn, PRODUCTS, product_id)
            product["wholesale_price"] = value
            product["date_upd"] = shop.date
            store.write_records(conn, PRODUCTS, [product], replace=True)
            planted[kind] = ("products", product_id)

        (customer_id,) = conn.execute(
            "SELECT min(id) FROM customers WHERE json_extract(json, '$.is_guest') = '0'"
        ).fetchone()
        customer = store.load(conn, CUSTOMERS, customer_id)
        customer["birthday"] = "1990-02-30"
        customer["date_upd"] = shop.date
        store.write_records(conn, CUSTOMERS, [customer], replace=True)
        planted["impossible_birthday"] = ("customers", customer_id)

        waiting = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM orders WHERE current_state IN (1, 10, 13) ORDER BY id DESC LIMIT 2"
            )
        ]
        for kind, order_id, state in zip(
            ("backorder_unpaid", "backorder_paid"),
            waiting,
            (BACKORDER_UNPAID, BACKORDER_PAID),
            strict=True,
        ):
            set_order_state(shop, order_id, state)
            planted[kind] = ("orders", order_id)
    return planted
