"""What PrestaShop 8.2.1 does when a record is deleted, on the demo shop file.

One function per class, with the semantics of its ``delete()`` (or the back office's soft
delete): what is removed, what is kept with ``deleted=1`` (and a new ``date_upd``), and what is
rewritten by raw SQL, which moves no ``date_upd``. The Webservice ``DELETE`` method, ``advance``
and the tests all delete through these, so there is one model of it.

Each function works inside the caller's write transaction and returns False when PrestaShop's
``delete()`` would return false (the Webservice then answers 500, code 88).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from phc_analytics.demo_shop import clock, store
from phc_analytics.demo_shop.model import (
    ADDRESSES,
    CARTS,
    CATEGORIES,
    CUSTOMERS,
    PRODUCTS,
    customer_payload,
)

ROOT_CATEGORY = 1  # PS_ROOT_CATEGORY: Category::delete refuses it
ANONYMOUS_EMAIL = "anonymous@psgdpr.com"
# How often the demo merchant runs pscleaner's clean-up (which purges old order-less carts).
PSCLEANER_RUNS_PER_YEAR = 4.0


def _load(conn: sqlite3.Connection, table, record_id: int) -> dict | None:
    return store.load(conn, table, record_id)


def _save(conn: sqlite3.Connection, table, record: dict) -> None:
    store.write_records(conn, table, [record], replace=True)


def exists(conn: sqlite3.Connection, resource: str, record_id: int) -> bool:
    return (
        conn.execute(f"SELECT 1 FROM {resource} WHERE id = ?", (record_id,)).fetchone() is not None
    )


def address_in_use(conn: sqlite3.Connection, address_id: int) -> bool:
    """Address::isUsed: an order delivers or invoices to it. (Searched among the orders of the
    address's customer, which is where the demo shop's orders take their addresses from.)"""
    row = conn.execute(
        "SELECT 1 FROM orders AS o JOIN addresses AS a ON a.id = ?"
        " WHERE o.id_customer = a.id_customer"
        " AND ? IN (CAST(json_extract(o.json, '$.id_address_delivery') AS INTEGER),"
        " CAST(json_extract(o.json, '$.id_address_invoice') AS INTEGER)) LIMIT 1",
        (address_id, address_id),
    ).fetchone()
    return row is not None


def _ordered_cart_ids(conn: sqlite3.Connection, customer_id: int | None = None) -> set[int]:
    """Ids of the carts an order was placed from (all of them, or one customer's, which the
    orders' customer index finds without reading every order)."""
    sql = "SELECT DISTINCT json_extract(json, '$.id_cart') FROM orders"
    params: tuple = ()
    if customer_id is not None:
        sql, params = sql + " WHERE id_customer = ?", (customer_id,)
    return {int(r[0]) for r in conn.execute(sql, params)}


def _rewrite_carts(conn: sqlite3.Connection, where: str, params: tuple, change) -> None:
    """Apply ``change`` to the carts ``where`` selects, as raw SQL would: no ``date_upd``."""
    for (raw,) in conn.execute(f"SELECT json FROM carts WHERE {where}", params).fetchall():
        cart = json.loads(raw)
        if change(cart):
            _save(conn, CARTS, cart)


def delete_address(conn: sqlite3.Connection, address_id: int, now: int) -> bool:
    """Address::delete: soft (``deleted=1``, ``date_upd`` now) when an order uses it, else gone.
    First, Address::deleteCartAddress sets it to 0 in the carts without an order."""
    address = _load(conn, ADDRESSES, address_id)
    if address is None:
        return False
    ordered = _ordered_cart_ids(conn, int(address["id_customer"]))
    target = str(address_id)

    def unset(cart: dict) -> bool:
        if cart["id"] in ordered:
            return False
        changed = False
        for key in ("id_address_delivery", "id_address_invoice"):
            if cart[key] == target:
                cart[key], changed = "0", True
        for row in cart.get("associations", {}).get("cart_rows", []):
            if row["id_address_delivery"] == target:
                row["id_address_delivery"], changed = "0", True
        return changed

    _rewrite_carts(conn, "id_customer = ?", (int(address["id_customer"]),), unset)
    if address_in_use(conn, address_id):
        address["deleted"] = "1"
        address["date_upd"] = clock.fmt(max(now, clock.parse(address["date_upd"])))
        _save(conn, ADDRESSES, address)
    else:
        conn.execute("DELETE FROM addresses WHERE id = ?", (address_id,))
    return True


def delete_customer(conn: sqlite3.Connection, customer_id: int, now: int) -> bool:
    """Customer::delete, a hard delete: the row goes. Its addresses go too, but only when the
    customer never ordered; otherwise they stay as they are (names and all, ``deleted=0``).
    Orders keep their now dangling ``id_customer``."""
    if not exists(conn, "customers", customer_id):
        return False
    ordered = conn.execute(
        "SELECT 1 FROM orders WHERE id_customer = ? LIMIT 1", (customer_id,)
    ).fetchone()
    if not ordered:
        for (address_id,) in conn.execute(
            "SELECT id FROM addresses WHERE id_customer = ?", (customer_id,)
        ).fetchall():
            delete_address(conn, address_id, now)
    # Every cart of the customer goes, ordered ones too: orders.id_cart is left dangling. So do
    # the cart rules made for them alone (CartRule::deleteByIdCustomer).
    conn.execute("DELETE FROM carts WHERE id_customer = ?", (customer_id,))
    conn.execute(
        "DELETE FROM cart_rules WHERE json_extract(json, '$.id_customer') = ?", (str(customer_id),)
    )
    conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
    return True


def soft_delete_customer(conn: sqlite3.Connection, customer_id: int, now: int) -> bool:
    """The back office's "deny registration after deletion": ``deleted=1`` through update(),
    which moves ``date_upd`` and soft-deletes every live address of the customer as well."""
    customer = _load(conn, CUSTOMERS, customer_id)
    if customer is None:
        return False
    date = clock.fmt(max(now, clock.parse(customer["date_upd"])))
    customer["deleted"], customer["active"], customer["date_upd"] = "1", "0", date
    _save(conn, CUSTOMERS, customer)
    for (raw,) in conn.execute(
        "SELECT json FROM addresses WHERE id_customer = ?", (customer_id,)
    ).fetchall():
        address = json.loads(raw)
        if address["deleted"] == "0":
            address["deleted"] = "1"
            address["date_upd"] = clock.fmt(max(now, clock.parse(address["date_upd"])))
            _save(conn, ADDRESSES, address)
    return True


def _drop_association(
    conn: sqlite3.Connection, table, association: str, ids: set[str], key: str = "id"
) -> None:
    """Remove ``ids`` from an association list of every record of ``table`` that has one,
    the way PrestaShop's raw ``DELETE FROM category_product ...`` does: no ``date_upd``."""
    for (raw,) in conn.execute(
        f"SELECT json FROM {table.name} WHERE instr(json, ?) > 0", (f'"{association}"',)
    ).fetchall():
        record = json.loads(raw)
        items = record.get("associations", {}).get(association)
        if not items or not any(item[key] in ids for item in items):
            continue
        kept = [item for item in items if item[key] not in ids]
        if kept:
            record["associations"][association] = kept
        else:
            del record["associations"][association]
            if not record["associations"]:
                del record["associations"]
        _save(conn, table, record)


def delete_product(conn: sqlite3.Connection, product_id: int) -> bool:
    """Product::delete (no advanced stock management): the product, its stock rows and its
    category links go; order lines keep their copies of its name, reference and prices."""
    if not exists(conn, "products", product_id):
        return False
    conn.execute("DELETE FROM products WHERE id = ?", (product_id,))
    conn.execute("DELETE FROM product_popularity WHERE id = ?", (product_id,))
    conn.execute("DELETE FROM stock_availables WHERE id_product = ?", (product_id,))
    _drop_association(conn, CATEGORIES, "products", {str(product_id)})
    # Product::deleteCartProducts: out of every cart, ordered ones too, by raw SQL.
    _drop_association(conn, CARTS, "cart_rows", {str(product_id)}, key="id_product")
    return True


def delete_category(conn: sqlite3.Connection, category_id: int) -> bool:
    """Category::delete: the whole subtree goes, with its product links. Products are not
    reassigned: an ``id_category_default`` may now name a deleted category."""
    if category_id == ROOT_CATEGORY or not exists(conn, "categories", category_id):
        return False
    subtree, frontier = {category_id}, [category_id]
    while frontier:
        children = [
            r[0]
            for r in conn.execute(
                f"SELECT id FROM categories WHERE id_parent IN ({','.join('?' * len(frontier))})",
                frontier,
            )
        ]
        frontier = [c for c in children if c not in subtree]
        subtree.update(frontier)
    conn.executemany("DELETE FROM categories WHERE id = ?", [(c,) for c in subtree])
    gone = {str(c) for c in subtree}
    _drop_association(conn, CATEGORIES, "categories", gone)
    _drop_association(conn, PRODUCTS, "categories", gone)
    return True


def anonymous_customer(conn: sqlite3.Connection, now: int) -> int:
    """The one customer psgdpr moves erased customers' carts to, created on first use with its
    "Anonymous" address (postcode 00000); its id is kept in the shop's meta."""
    meta = store.get_meta(conn)
    if "psgdpr_anonymous_customer" in meta:
        return int(meta["psgdpr_anonymous_customer"])
    (last_customer,) = conn.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()
    (last_address,) = conn.execute("SELECT coalesce(max(id), 0) FROM addresses").fetchone()
    cid, aid, date = last_customer + 1, last_address + 1, clock.fmt(now)
    secret = hashlib.sha256(f"{meta['seed']}:psgdpr".encode()).hexdigest()
    customer = customer_payload(
        id=cid,
        guest=False,
        lang="1",
        firstname="Anonymous",
        lastname="Anonymous",
        email=ANONYMOUS_EMAIL,
        gender=0,
        secure_key=secret[:32],
        passwd="$2y$10$" + secret[:53],
        date_add=date,
        date_upd=date,
        birthday=clock.ZERO_DATE,
        newsletter_date_add=clock.ZERO_DATETIME,
    )
    customer["active"] = "0"
    store.write_records(conn, CUSTOMERS, [customer])
    address = {
        "id": aid, "id_customer": str(cid), "id_manufacturer": "0", "id_supplier": "0",
        "id_warehouse": "0", "id_country": "8", "id_state": "0", "alias": "Anonymous",
        "company": "", "lastname": "Anonymous", "firstname": "Anonymous", "vat_number": "",
        "address1": "Anonymous", "address2": "", "postcode": "00000", "city": "Anonymous",
        "other": "", "phone": "0000000000", "phone_mobile": "", "dni": "", "deleted": "0",
        "date_add": date, "date_upd": date,
    }  # fmt: skip
    store.write_records(conn, ADDRESSES, [address])
    store.set_meta(conn, {"psgdpr_anonymous_customer": cid, "psgdpr_anonymous_address": aid})
    return cid


def gdpr_erase_customer(conn: sqlite3.Connection, customer_id: int, now: int) -> bool:
    """The psgdpr module's "delete data": the customer's carts move to the shared anonymous
    customer by raw SQL (their ``date_upd`` stays), the customer's vouchers are deleted, then
    Customer::delete. Nothing the Webservice shows says it happened: the id just disappears."""
    if not exists(conn, "customers", customer_id):
        return False
    anonymous = anonymous_customer(conn, now)
    address = store.get_meta(conn)["psgdpr_anonymous_address"]

    def move(cart: dict) -> bool:
        cart["id_customer"] = str(anonymous)
        cart["id_address_delivery"] = cart["id_address_invoice"] = address
        for row in cart.get("associations", {}).get("cart_rows", []):
            row["id_address_delivery"] = address
        return True

    _rewrite_carts(conn, "id_customer = ?", (customer_id,), move)
    return delete_customer(conn, customer_id, now)


def delete_cart(conn: sqlite3.Connection, cart_id: int) -> bool:
    """Cart::delete: refused (false) when an order was placed from the cart."""
    row = conn.execute("SELECT id_customer FROM carts WHERE id = ?", (cart_id,)).fetchone()
    if row is None or cart_id in _ordered_cart_ids(conn, row[0]):
        return False
    conn.execute("DELETE FROM carts WHERE id = ?", (cart_id,))
    return True


def purge_carts(conn: sqlite3.Connection, now: int) -> int:
    """The pscleaner module's clean-up: every cart without an order whose last change is over
    a month old, by raw SQL. Returns how many went."""
    ordered = _ordered_cart_ids(conn)
    cutoff = clock.fmt(now - 30 * clock.DAY)
    stale = [
        r[0]
        for r in conn.execute("SELECT id FROM carts WHERE date_upd < ?", (cutoff,))
        if r[0] not in ordered
    ]
    conn.executemany("DELETE FROM carts WHERE id = ?", [(i,) for i in stale])
    return len(stale)
