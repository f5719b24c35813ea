"""A multistore installation: several stores in one shop file, as PrestaShop's multistore keeps
them (``reference/prestashop-multistore.md``).

The generator draws one shop; ``make_multistore`` then lays the stores over it and
``assign_stores`` gives every record written since the last call its store (``advance`` calls
it too). Which store a record lands in is a hash of the shop seed and its id, so the result
does not depend on when it was assigned.

The layout: group 1 holds stores 1 and 2 and shares customers, orders and stock (so a customer
of store 1 may order in store 2, and both sell from one stock row per product); group 2 holds
the stores from 3 on, which share nothing. Store 3 sells in pounds from London (its default
currency and time zone are per-shop configuration rows), store 4 in Swiss francs, store 5 in
dollars. Per-store values (``shop_values``) stand for PrestaShop's ``{table}_shop`` rows: a
record is associated with a store when it has a row there, and its fields are overridden by
the row's JSON (a product's price in the store's currency, an outlet's inactive products, a
currency's rate against the store's default currency).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from phc_analytics.demo_shop import clock, store
from phc_analytics.demo_shop.model import (
    CONFIGURATIONS,
    RESOURCES,
    SHOP_GROUPS,
    SHOP_URLS,
    SHOPS,
    STOCK_AVAILABLES,
)
from phc_analytics.demo_shop.orders import conversion_rate
from phc_analytics.demo_shop.reference_data import CURRENCY, SHOP_NAME
from phc_analytics.demo_shop.shop_context import SHOP_ASSOCIATED, Group, Installation, Store

MAX_STORES = 8
# Share of orders a customer of a group that shares orders places in the group's other store.
CROSS_STORE_SHARE = 0.2
OUTLET_INACTIVE_SHARE = 0.1


@dataclass(frozen=True)
class StoreSpec:
    id: int
    group: int
    name: str
    currency: int  # PS_CURRENCY_DEFAULT
    timezone: str  # PS_TIMEZONE
    weight: float  # share of customers
    virtual_uri: str  # "" for the main URL


_LATER = (
    (" UK", 3, "Europe/London"),
    (" Schweiz", 4, "Europe/Zurich"),
    (" US", 2, "America/New_York"),
)


def layout(stores: int) -> list[StoreSpec]:
    if not 1 <= stores <= MAX_STORES:
        raise ValueError(f"stores must be between 1 and {MAX_STORES}")
    specs = [StoreSpec(1, 1, SHOP_NAME, 1, "Europe/Paris", 1.0, "")]
    if stores >= 2:
        specs.append(StoreSpec(2, 1, f"{SHOP_NAME} Outlet", 1, "Europe/Paris", 0.45, "outlet/"))
    for n in range(3, stores + 1):
        suffix, currency, tz = _LATER[(n - 3) % len(_LATER)]
        name = f"{SHOP_NAME}{suffix}" + (f" {n}" if n > 5 else "")
        specs.append(StoreSpec(n, 2, name, currency, tz, 0.3, f"store{n}/"))
    return specs


def installation(specs: list[StoreSpec]) -> Installation:
    groups = {1: Group(1, True, True, True)}
    if any(s.group == 2 for s in specs):
        groups[2] = Group(2, False, False, False)
    return Installation({s.id: Store(s.id, s.group) for s in specs}, groups, 1)


def _unit(seed: int, kind: str, record_id: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{kind}:{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _pick(specs: list[StoreSpec], u: float) -> StoreSpec:
    total = sum(s.weight for s in specs)
    acc = 0.0
    for spec in specs:
        acc += spec.weight / total
        if u < acc:
            return spec
    return specs[-1]


# --- the installation's own records ----------------------------------------------------------


def make_multistore(conn: sqlite3.Connection, stores: int) -> None:
    """Lay ``stores`` stores over a freshly generated shop (inside its write transaction)."""
    specs = layout(stores)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS shop_values (resource TEXT NOT NULL, record_id INTEGER "
        "NOT NULL, id_shop INTEGER NOT NULL, overrides TEXT NOT NULL, "
        "PRIMARY KEY (resource, id_shop, record_id))"
    )
    write_installation(conn, specs)
    date = store.load(conn, CONFIGURATIONS, 1)["date_add"]
    next_id = conn.execute("SELECT MAX(id) FROM configurations").fetchone()[0] + 1
    rows = []
    for spec in specs[1:]:
        values = [("PS_SHOP_NAME", spec.name)]
        if spec.currency != 1:
            values.append(("PS_CURRENCY_DEFAULT", str(spec.currency)))
        if spec.timezone != "Europe/Paris":
            values.append(("PS_TIMEZONE", spec.timezone))
        for name, value in values:
            rows.append(
                {
                    "id": next_id,
                    "value": value,
                    "name": name,
                    "id_shop_group": str(spec.group),
                    "id_shop": str(spec.id),
                    "date_add": date,
                    "date_upd": date,
                }
            )
            next_id += 1
    store.write_records(conn, CONFIGURATIONS, rows)
    store.set_meta(conn, {"stores": stores})
    assign_stores(conn)


def write_installation(conn: sqlite3.Connection, specs: list[StoreSpec]) -> None:
    """The ``shops``, ``shop_groups`` and ``shop_urls`` records (one each for a single store)."""
    groups = [(1, "Default", len(specs) > 1)]
    if any(s.group == 2 for s in specs):
        groups.append((2, "International", False))
    store.write_records(
        conn,
        SHOP_GROUPS,
        [
            {
                "id": gid,
                "name": name,
                "color": "",
                "active": "1",
                "share_customer": "1" if shares else "0",
                "share_order": "1" if shares else "0",
                "share_stock": "1" if shares else "0",
                "deleted": "0",
            }
            for gid, name, shares in groups
        ],
        replace=True,
    )
    store.write_records(
        conn,
        SHOPS,
        [
            {
                "id": s.id,
                "id_shop_group": str(s.group),
                "id_category": "2",
                "active": "1",
                "deleted": "0",
                "name": s.name,
                "color": "",
                "theme_name": "classic",
            }
            for s in specs
        ],
        replace=True,
    )
    store.write_records(
        conn,
        SHOP_URLS,
        [
            {
                "id": s.id,
                "active": "1",
                "main": "1",
                "domain": "127.0.0.1",
                "domain_ssl": "127.0.0.1",
                "id_shop": str(s.id),
                "physical_uri": "/",
                "virtual_uri": s.virtual_uri,
            }
            for s in specs
        ],
        replace=True,
    )


# --- every record's store ---------------------------------------------------------------------


def stores_of(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'stores'").fetchone()
    return int(row[0]) if row else 1


def stores_in(path) -> int:
    conn = store.connect(path)
    try:
        return stores_of(conn)
    finally:
        conn.close()


class _Assigner:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        meta = store.get_meta(conn)
        self.seed = int(meta["seed"])
        self.marks = {
            k[len("stores_mark_") :]: int(v)
            for k, v in meta.items()
            if k.startswith("stores_mark_")
        }
        self.specs = layout(int(meta["stores"]))
        self.by_id = {s.id: s for s in self.specs}
        self.new_marks: dict[str, int] = {}

    def _new(self, table: str) -> list:
        """(id, json) of the rows written since the last assignment."""
        rows = self.conn.execute(
            f"SELECT id, json FROM {table} WHERE id > ? ORDER BY id", (self.marks.get(table, 0),)
        ).fetchall()
        if rows:
            self.new_marks[table] = rows[-1][0]
        return rows

    def _home(self, customer_id: int) -> StoreSpec:
        return _pick(self.specs, _unit(self.seed, "customer", customer_id))

    def _save(self, table: str, records: list[dict]) -> None:
        store.write_records(self.conn, RESOURCES[table], records, replace=True)

    def run(self) -> None:
        customers = {}
        records = []
        for cid, raw in self._new("customers"):
            record = json.loads(raw)
            home = self._home(cid)
            record["id_shop"], record["id_shop_group"] = str(home.id), str(home.group)
            customers[cid] = home
            records.append(record)
        self._save("customers", records)

        order_store, cart_store = self._orders(customers)
        self._details(order_store)
        self._carts(cart_store)
        self._money()
        self._catalogue()
        self._stock()
        store.set_meta(self.conn, {f"stores_mark_{k}": v for k, v in self.new_marks.items()})

    def _customer_store(self, customer_id: int, known: dict) -> StoreSpec:
        if customer_id in known:
            return known[customer_id]
        row = self.conn.execute(
            "SELECT json_extract(json, '$.id_shop') FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        if row is None or row[0] is None:  # a deleted customer: where it would have been
            return self._home(customer_id)
        return self.by_id[int(row[0])]

    def _orders(self, customers: dict) -> tuple[dict, dict]:
        order_store: dict[int, StoreSpec] = {}
        cart_store: dict[int, StoreSpec] = {}
        records = []
        for oid, raw in self._new("orders"):
            record = json.loads(raw)
            spec = self._customer_store(int(record["id_customer"]), customers)
            siblings = [s for s in self.specs if s.group == spec.group and s.group == 1]
            if len(siblings) > 1 and _unit(self.seed, "order", oid) < CROSS_STORE_SHARE:
                spec = next(s for s in siblings if s.id != spec.id)
            record["id_shop"], record["id_shop_group"] = str(spec.id), str(spec.group)
            if spec.currency != 1:
                # PrestaShop stores the rate against the order's shop's default currency.
                at = clock.parse(record["date_add"])
                rate = float(record["conversion_rate"]) / conversion_rate(spec.currency, at)
                record["conversion_rate"] = f"{rate:.6f}"
            order_store[oid] = spec
            cart_store[int(record["id_cart"])] = spec
            records.append(record)
        self._save("orders", records)
        return order_store, cart_store

    def _store_of_order(self, order_id: int, known: dict) -> StoreSpec | None:
        if order_id in known:
            return known[order_id]
        row = self.conn.execute(
            "SELECT json_extract(json, '$.id_shop') FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        return self.by_id[int(row[0])] if row and row[0] else None

    def _details(self, order_store: dict) -> None:
        records = []
        for _id, raw in self._new("order_details"):
            record = json.loads(raw)
            spec = self._store_of_order(int(record["id_order"]), order_store)
            if spec is not None:
                record["id_shop"] = str(spec.id)
                records.append(record)
        self._save("order_details", records)

    def _carts(self, cart_store: dict) -> None:
        records = []
        for cart_id, raw in self._new("carts"):
            record = json.loads(raw)
            spec = cart_store.get(cart_id)
            if spec is None:
                customer = int(record["id_customer"])
                spec = (
                    self._customer_store(customer, {})
                    if customer
                    else _pick(self.specs, _unit(self.seed, "cart", cart_id))
                )
            record["id_shop"], record["id_shop_group"] = str(spec.id), str(spec.group)
            records.append(record)
        self._save("carts", records)

    def _money(self) -> None:
        """Slips and payments carry their order's rate, so they follow its store's currency:
        one scan of the orders of stores with their own currency gives both lookups."""
        foreign = {s.id for s in self.specs if s.currency != 1}
        if not foreign:
            return
        by_order: dict[int, str] = {}
        by_reference: dict[str, str] = {}
        for order_id, reference, rate in self.conn.execute(
            "SELECT id, json_extract(json, '$.reference'), json_extract(json, '$.conversion_rate')"
            " FROM orders WHERE CAST(json_extract(json, '$.id_shop') AS INTEGER) IN "
            f"({','.join(str(i) for i in foreign)})"
        ):
            by_order[order_id] = by_reference[reference] = rate
        for table, key, rates in (
            ("order_slip", lambda r: int(r["id_order"]), by_order),
            ("order_payments", lambda r: r["order_reference"], by_reference),
        ):
            records = []
            for _id, raw in self._new(table):
                record = json.loads(raw)
                if key(record) in rates:
                    record["conversion_rate"] = rates[key(record)]
                    records.append(record)
            self._save(table, records)

    def _catalogue(self) -> None:
        values = []
        for resource in SHOP_ASSOCIATED:
            for record_id, raw in self._new(resource):
                record = json.loads(raw) if resource in ("products", "currencies") else None
                for spec in self.specs:
                    overrides = self._overrides(resource, record_id, record, spec)
                    values.append((resource, record_id, spec.id, json.dumps(overrides)))
        self.conn.executemany(
            "INSERT OR REPLACE INTO shop_values (resource, record_id, id_shop, overrides) "
            "VALUES (?, ?, ?, ?)",
            values,
        )

    def _overrides(self, resource: str, record_id: int, record, spec: StoreSpec) -> dict:
        if resource == "currencies":
            own = CURRENCY[spec.currency].rate
            return {"conversion_rate": f"{CURRENCY[record_id].rate / own:.6f}"}
        if resource != "products":
            return {}
        out = {}
        if spec.currency != 1:
            rate = CURRENCY[spec.currency].rate
            for name in ("price", "wholesale_price"):
                out[name] = f"{float(record[name]) * rate:.6f}"
        if spec.id == 2 and _unit(self.seed, "outlet", record_id) < OUTLET_INACTIVE_SHARE:
            out["active"] = "0"
        return out

    def _stock(self) -> None:
        """Group 1 shares its stock: one row per product, ``id_shop`` 0. Each store of group 2
        keeps its own rows, drawn once, with ids after every existing one (PrestaShop's
        auto-increment: dense, so the delete sweep's id windows stay few)."""
        rows = self.conn.execute(
            "SELECT id, json FROM stock_availables WHERE id > ? ORDER BY id",
            (self.marks.get("stock_availables", 0),),
        ).fetchall()
        if not rows:
            return
        next_id = self.conn.execute("SELECT MAX(id) FROM stock_availables").fetchone()[0] + 1
        shared, own = [], []
        for sid, raw in rows:
            record = json.loads(raw)
            if (record["id_shop"], record["id_shop_group"]) != ("1", "0"):
                continue  # a row this has already laid over the stores
            record["id_shop"], record["id_shop_group"] = "0", "1"
            shared.append(record)
            for spec in self.specs:
                if spec.group == 1:
                    continue
                copy = dict(record)
                copy["id"] = next_id
                next_id += 1
                copy["id_shop"], copy["id_shop_group"] = str(spec.id), "0"
                share = _unit(self.seed, f"stock{spec.id}", sid)
                copy["quantity"] = str(int(int(record["quantity"]) * share))
                own.append(copy)
        store.write_records(self.conn, STOCK_AVAILABLES, shared + own, replace=True)
        self.new_marks["stock_availables"] = next_id - 1


def assign_stores(conn: sqlite3.Connection) -> None:
    """Give every record written since the last call its store (a no-op for one store)."""
    if stores_of(conn) > 1:
        _Assigner(conn).run()
