"""Move the shop clock forward: what a real shop sees in N hours, written in one transaction.

New orders (from new and returning customers), due state changes of orders in flight, an
occasional late refund on an old order, and a few customer, address and product edits that
bump ``date_upd``. A running server sees the changes at its next request.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from phc_analytics.demo_shop import clock, deletes, multistore, store
from phc_analytics.demo_shop.generator import HOUR_WEIGHTS, WEEKDAY_WEIGHTS, ws_key_for
from phc_analytics.demo_shop.model import (
    ADDRESSES,
    CARTS,
    CUSTOMERS,
    ORDER_DETAILS,
    ORDERS,
    PRODUCTS,
    STOCK_AVAILABLES,
    cart_record,
    customer_payload,
)
from phc_analytics.demo_shop.money import partial_refund, record_state_money, use_voucher
from phc_analytics.demo_shop.orders import (
    Buyer,
    Catalog,
    Counters,
    apply_state,
    build_order,
    country_of,
    history_json,
    refund_details,
)
from phc_analytics.demo_shop.pools import locale_pool, slug
from phc_analytics.demo_shop.reference_data import COUNTRIES
from phc_analytics.errors import PhcError


@dataclass(frozen=True)
class AdvanceResult:
    clock: str
    new_orders: int
    state_changes: int
    late_refunds: int
    customer_edits: int
    address_edits: int
    product_edits: int
    deletions: dict[str, int]
    partial_refunds: int


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def advance_shop(path: str | Path, hours: float, seed: int | None = None) -> AdvanceResult:
    """Advance the shop at ``path`` by ``hours``. The default seed derives from the shop seed
    and its clock, so advancing the same shop by the same hours gives the same result."""
    if hours <= 0:
        raise PhcError("--hours must be positive.")
    path = Path(path)
    if not path.exists():
        raise PhcError(f"No demo shop at {path}: run `phc-analytics shop generate` first.")
    with store.writing(path) as conn:
        return _Advance(conn, hours, seed).run()


class _Advance:
    def __init__(self, conn, hours: float, seed: int | None):
        self.conn = conn
        meta = store.get_meta(conn)
        self.meta = meta
        self.shop_seed = int(meta["seed"])
        self.start = clock.parse(meta["clock"])
        self.end = self.start + int(hours * clock.HOUR)
        base = seed if seed is not None else self.shop_seed
        self.rng = random.Random(f"{base}:advance:{meta['clock']}:{hours}")  # noqa: S311 - simulation
        # Carts draw from their own sequence: the orders of an advance stay what they were.
        self.cart_rng = random.Random(f"{base}:carts:{meta['clock']}:{hours}")  # noqa: S311
        self.counters = Counters(
            int(meta["next_invoice"]), int(meta["next_delivery"]), int(meta["last_cart"])
        )
        self.histories: list[tuple[int, int, int, int]] = []
        self.sold: dict[int, int] = {}  # product id -> units ordered in this advance
        self.next_id = {
            name: (conn.execute(f"SELECT max(id) FROM {name}").fetchone()[0] or 0) + 1
            for name in ("orders", "order_details", "order_histories", "customers", "addresses")
        }

    def _take_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] += 1
        return value

    def _when(self) -> int:
        return self.start + 1 + int(self.rng.random() * max(1, self.end - self.start - 1))

    def run(self) -> AdvanceResult:
        per_day = float(self.meta["orders_per_day"])
        new_orders = self._new_orders(per_day)
        changes = self._due_transitions()
        refunds = self._late_refunds(per_day)
        customer_edits = self._customer_edits(per_day)
        address_edits = self._address_edits(per_day)
        product_edits = self._product_edits()
        deletions = self._deletions()
        partial_refunds = self._partial_refunds(per_day)
        self._stock_moves()
        self._write_histories()
        multistore.assign_stores(self.conn)
        store.set_meta(
            self.conn,
            {
                "clock": clock.fmt(self.end),
                "next_invoice": self.counters.invoice,
                "next_delivery": self.counters.delivery,
                "last_cart": self.counters.cart,
                "advance_count": int(self.meta.get("advance_count", 0)) + 1,
                "ws_key": ws_key_for(self.shop_seed),
            },
        )
        return AdvanceResult(
            clock.fmt(self.end), new_orders, changes, refunds, customer_edits, address_edits,
            product_edits, deletions, partial_refunds,
        )  # fmt: skip

    # --- new orders --------------------------------------------------------------------------

    def _new_orders(self, per_day: float) -> int:
        times = []
        hour_total = sum(HOUR_WEIGHTS)
        t = self.start - self.start % clock.HOUR
        while t < self.end:
            h = (t % clock.DAY) // clock.HOUR
            weekday = (clock.EPOCH.weekday() + t // clock.DAY) % 7
            lam = per_day * HOUR_WEIGHTS[h] / hour_total * WEEKDAY_WEIGHTS[weekday]
            lo, hi = max(t, self.start), min(t + clock.HOUR, self.end)
            lam *= (hi - lo) / clock.HOUR
            times += [
                lo + 1 + int(self.rng.random() * max(1, hi - lo - 1))
                for _ in range(poisson(self.rng, lam))
            ]
            t += clock.HOUR
        if not times:
            return 0
        times.sort()
        products = [json.loads(r[0]) for r in self.conn.execute("SELECT json FROM products")]
        popularity = dict(self.conn.execute("SELECT id, weight FROM product_popularity"))
        catalog = Catalog.from_records(products, popularity)
        since = self.start
        for at in times:
            buyer = self._buyer(at)
            order_id = self._take_id("orders")
            cart_before = self.counters.cart
            order, details, plan, draft = build_order(
                self.rng, order_id, at, buyer, catalog, self.next_id["order_details"], self.counters
            )
            if draft.voucher:
                use_voucher(self.conn, order_id, draft, clock.fmt(at))
            self._carts(order, details, buyer, catalog, range(cart_before + 1, self.counters.cart),
                        since, at)  # fmt: skip
            since = at
            self.next_id["order_details"] += len(details)
            for detail in details:
                product_id = int(detail["product_id"])
                self.sold[product_id] = self.sold.get(product_id, 0) + int(
                    detail["product_quantity"]
                )
            self._play(order, details, plan)
            store.write_records(self.conn, ORDER_DETAILS, details)
            store.write_records(self.conn, ORDERS, [order])
        return len(times)

    def _carts(self, order, details, buyer: Buyer, catalog, abandoned, since: int, at: int):
        """The order's cart, and the carts abandoned since the previous order (the cart ids
        handed out in between): half by visitors who never logged in, half by this buyer."""
        rng = self.cart_rng
        records = []
        lang = order["id_lang"]
        for cart_id in abandoned:
            created = since + int(rng.random() * max(1, at - since))
            if rng.random() < 0.5:
                customer, guest, address, key = 0, 1_000_000 + cart_id, 0, ""
            else:
                customer, guest = buyer.id, buyer.id
                address, key = buyer.address_delivery, buyer.secure_key
            picks = {
                catalog.ids[catalog.pick(rng, created)]: 1 for _ in range(1 + rng.randrange(3))
            }
            records.append(
                cart_record(
                    cart_id, customer, guest, address, 1, lang, 0, key, clock.fmt(created),
                    clock.fmt(created + int(rng.random() * 2 * clock.HOUR)), list(picks.items()),
                )
            )  # fmt: skip
        started = at - int(5 * 60 + rng.random() * 40 * 60)
        records.append(
            cart_record(
                int(order["id_cart"]), buyer.id, buyer.id, buyer.address_delivery,
                int(order["id_currency"]), lang, int(order["id_carrier"]), buyer.secure_key,
                clock.fmt(started), clock.fmt(at),
                [(int(d["product_id"]), int(d["product_quantity"])) for d in details],
            )
        )  # fmt: skip
        store.write_records(self.conn, CARTS, records, replace=True)

    def _buyer(self, at: int) -> Buyer:
        max_customer = self.next_id["customers"] - 1
        if self.rng.random() < 0.65:
            for _ in range(5):
                customer = store.load(self.conn, CUSTOMERS, self.rng.randint(1, max_customer))
                if customer and customer["is_guest"] == "0" and customer["deleted"] == "0":
                    address = self._current_address(customer["id"])
                    if address is None:
                        address = self._new_address(customer, self.rng.choice(COUNTRIES), at)
                    return self._as_buyer(customer, address)
        return self._new_customer(at, guest=self.rng.random() < 0.25)

    def _current_address(self, customer_id: int) -> dict | None:
        rows = self.conn.execute(
            "SELECT json FROM addresses WHERE id_customer = ? ORDER BY id DESC", (customer_id,)
        ).fetchall()
        for (raw,) in rows:
            address = json.loads(raw)
            if address["deleted"] == "0":
                return address
        return None

    @staticmethod
    def _as_buyer(customer: dict, address: dict) -> Buyer:
        return Buyer(
            customer["id"],
            customer["id_lang"],
            country_of(address),
            customer["secure_key"],
            address["id"],
            address["id"],
        )

    def _new_customer(self, at: int, guest: bool) -> Buyer:
        rng = self.rng
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
        pool = locale_pool(country.locale)
        cid = self._take_id("customers")
        gender = 0 if guest else rng.choice((1, 2, 2))
        first = rng.choice(pool.male if gender == 1 else pool.female)
        last = rng.choice(pool.last)
        date = clock.fmt(at)
        customer = customer_payload(
            id=cid,
            guest=guest,
            lang="2" if country.iso in ("FR", "BE", "LU", "CH") else "1",
            firstname=first,
            lastname=last,
            email=f"{slug(first)}.{slug(last)}{cid}@mail.example.com",
            gender=gender,
            secure_key=hashlib.md5(
                f"{self.shop_seed}:customer:{cid}".encode(), usedforsecurity=False
            ).hexdigest(),
            passwd="$2y$10$"
            + hashlib.sha256(f"{self.shop_seed}:pw:{cid}".encode()).hexdigest()[:53],
            date_add=date,
            date_upd=date,
            birthday=clock.ZERO_DATE,
            newsletter_date_add=clock.ZERO_DATETIME,
        )
        store.write_records(self.conn, CUSTOMERS, [customer])
        address = self._new_address(customer, country, at)
        return self._as_buyer(customer, address)

    def _new_address(self, customer: dict, country, at: int, like: dict | None = None) -> dict:
        pool = locale_pool(country.locale)
        postcode, city = self.rng.choice(pool.places)
        date = clock.fmt(at)
        address = {
            "id": self._take_id("addresses"),
            "id_customer": str(customer["id"]),
            "id_manufacturer": "0",
            "id_supplier": "0",
            "id_warehouse": "0",
            "id_country": str(country.id),
            "id_state": "0",
            "alias": "Mon adresse" if customer["id_lang"] == "2" else "My address",
            "company": "",
            "lastname": customer["lastname"],
            "firstname": customer["firstname"],
            "vat_number": "",
            "address1": self.rng.choice(pool.streets),
            "address2": "",
            "postcode": postcode,
            "city": city,
            "other": "",
            "phone": like["phone"] if like else self.rng.choice(pool.phones),
            "phone_mobile": "",
            "dni": "",
            "deleted": "0",
            "date_add": date,
            "date_upd": date,
        }
        store.write_records(self.conn, ADDRESSES, [address])
        return address

    # --- state changes -----------------------------------------------------------------------

    def _play(self, order: dict, details: list[dict], plan) -> None:
        """Apply what is due by the new clock; keep the rest pending."""
        for state, at, employee in plan:
            if at <= self.end:
                self._change_state(order, details, state, at, employee)
            else:
                self.conn.execute(
                    "INSERT INTO pending VALUES (?,?,?,?)",
                    (order["id"], clock.fmt(at), state, employee),
                )

    def _change_state(self, order, details, state: int, at: int, employee: int) -> None:
        paid_before = order["total_paid_real"] != "0.000000"
        apply_state(order, state, at, self.counters)
        if state == 7:
            refund_details(details)
        record_state_money(self.conn, order, details, state, clock.fmt(at), paid_before)
        self.histories.append((at, order["id"], state, employee))

    def _details(self, order_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT json FROM order_details WHERE id_order = ? ORDER BY id", (order_id,)
        )
        return [json.loads(r[0]) for r in rows]

    def _due_transitions(self) -> int:
        due = self.conn.execute(
            "SELECT id_order, at, id_order_state, id_employee FROM pending "
            "WHERE at <= ? ORDER BY at, id_order",
            (clock.fmt(self.end),),
        ).fetchall()
        by_order: dict[int, list] = {}
        for order_id, at, state, employee in due:
            by_order.setdefault(order_id, []).append((clock.parse(at), state, employee))
        for order_id, changes in by_order.items():
            order = store.load(self.conn, ORDERS, order_id)
            details = self._details(order_id)
            for at, state, employee in changes:
                self._change_state(order, details, state, at, employee)
            store.write_records(self.conn, ORDERS, [order], replace=True)
            store.write_records(self.conn, ORDER_DETAILS, details, replace=True)
        self.conn.execute("DELETE FROM pending WHERE at <= ?", (clock.fmt(self.end),))
        return len(due)

    def _late_refunds(self, per_day: float) -> int:
        n = poisson(self.rng, per_day * (self.end - self.start) / clock.DAY * 0.003)
        cutoff = clock.fmt(self.start - 60 * clock.DAY)
        candidates = self.conn.execute(
            "SELECT count(*) FROM orders WHERE current_state = 5 AND date_add < ?", (cutoff,)
        ).fetchone()[0]
        done = 0
        for _ in range(min(n, candidates)):
            (order_id,) = self.conn.execute(
                "SELECT id FROM orders WHERE current_state = 5 AND date_add < ? "
                "ORDER BY id LIMIT 1 OFFSET ?",
                (cutoff, self.rng.randrange(candidates - done)),
            ).fetchone()
            order, details = store.load(self.conn, ORDERS, order_id), self._details(order_id)
            self._change_state(order, details, 7, self._when(), 1)
            store.write_records(self.conn, ORDERS, [order], replace=True)
            store.write_records(self.conn, ORDER_DETAILS, details, replace=True)
            done += 1
        return done

    def _write_histories(self) -> None:
        self.histories.sort()
        rows = []
        for at, order_id, state, employee in self.histories:
            hid = self._take_id("order_histories")
            rows.append(
                (hid, order_id, clock.fmt(at), history_json(hid, employee, state, order_id, at))
            )
        self.conn.executemany(
            "INSERT INTO order_histories (id, id_order, date_add, json) VALUES (?,?,?,?)", rows
        )

    # --- edits -------------------------------------------------------------------------------

    def _customer_edits(self, per_day: float) -> int:
        n = poisson(self.rng, per_day * (self.end - self.start) / clock.DAY * 0.05)
        max_id = self.next_id["customers"] - 1
        done = 0
        for _ in range(n):
            customer = store.load(self.conn, CUSTOMERS, self.rng.randint(1, max_id))
            if not customer or customer["is_guest"] == "1" or customer["deleted"] == "1":
                continue
            at = max(self._when(), clock.parse(customer["date_upd"]) + 1)
            if customer["newsletter"] == "0":
                customer["newsletter"] = "1"
                customer["newsletter_date_add"] = clock.fmt(at)
            else:
                customer["optin"] = "1" if customer["optin"] == "0" else "0"
            customer["date_upd"] = clock.fmt(at)
            store.write_records(self.conn, CUSTOMERS, [customer], replace=True)
            done += 1
        return done

    def _address_edits(self, per_day: float) -> int:
        """Editing an address an order used: PrestaShop keeps it (deleted=1) and adds a copy."""
        n = poisson(self.rng, per_day * (self.end - self.start) / clock.DAY * 0.01)
        max_id = self.next_id["addresses"] - 1
        done = 0
        for _ in range(n):
            old = store.load(self.conn, ADDRESSES, self.rng.randint(1, max_id))
            if not old or old["deleted"] == "1":
                continue
            customer = store.load(self.conn, CUSTOMERS, int(old["id_customer"]))
            at = max(self._when(), clock.parse(old["date_upd"]) + 1)
            used = self.conn.execute(
                "SELECT 1 FROM orders WHERE id_customer = ? LIMIT 1", (int(old["id_customer"]),)
            ).fetchone()
            if used:
                old["deleted"] = "1"
                old["date_upd"] = clock.fmt(at)
                store.write_records(self.conn, ADDRESSES, [old], replace=True)
                self._new_address(customer, country_of(old), at, like=old)
            else:
                old["address2"] = "Bâtiment B" if customer["id_lang"] == "2" else "Building B"
                old["date_upd"] = clock.fmt(at)
                store.write_records(self.conn, ADDRESSES, [old], replace=True)
            done += 1
        return done

    def _product_edits(self) -> int:
        max_id = self.conn.execute("SELECT max(id) FROM products").fetchone()[0]
        n = poisson(self.rng, max_id * (self.end - self.start) / clock.DAY * 0.002)
        for _ in range(n):
            product = store.load(self.conn, PRODUCTS, self.rng.randint(1, max_id))
            at = max(self._when(), clock.parse(product["date_upd"]) + 1)
            if self.rng.random() < 0.85:
                factor = self.rng.choice((0.9, 0.95, 1.05, 1.1))
                product["price"] = f"{float(product['price']) * factor:.6f}"
            else:
                active = product["active"] == "1"
                product["active"] = product["available_for_order"] = "0" if active else "1"
            product["date_upd"] = clock.fmt(at)
            store.write_records(self.conn, PRODUCTS, [product], replace=True)
        return n

    # --- stock -------------------------------------------------------------------------------

    def _stock_moves(self) -> None:
        """Stock follows the orders placed (PrestaShop decrements it when an order is
        validated), and the merchant restocks what runs low. Refunds do not restock here."""
        rows = self.conn.execute("SELECT json FROM stock_availables ORDER BY id").fetchall()
        # A product that runs low is restocked within about three days.
        restock = min(1.0, (self.end - self.start) / (3 * clock.DAY))
        changed = []
        for (raw,) in rows:
            stock = json.loads(raw)
            product_id = int(stock["id_product"])
            quantity = int(stock["quantity"])
            after = max(0, quantity - self.sold.get(product_id, 0))
            if after < 5 and self.rng.random() < restock:
                after += self.rng.randint(50, 150)
            if after != quantity:
                stock["quantity"] = str(after)
                changed.append(stock)
        store.write_records(self.conn, STOCK_AVAILABLES, changed, replace=True)

    # --- partial refunds ---------------------------------------------------------------------

    PARTIAL_REFUND_RATE = 0.01  # per order placed: a damaged item, a missing one

    def _partial_refunds(self, per_day: float) -> int:
        """Partial refunds of recent paid orders, each with its credit slip (money.py)."""
        n = poisson(
            self.rng, per_day * (self.end - self.start) / clock.DAY * self.PARTIAL_REFUND_RATE
        )
        cutoff = clock.fmt(self.start - 30 * clock.DAY)
        candidates = [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM orders WHERE date_add >= ? AND date_add < ?"
                " AND current_state IN (2, 3, 4, 5) ORDER BY id",
                (cutoff, clock.fmt(self.start)),
            )
        ]
        done = 0
        for _ in range(n if candidates else 0):
            order_id = self.rng.choice(candidates)
            if partial_refund(self.conn, order_id, self.rng, clock.fmt(self._when())):
                done += 1
        return done

    # --- deletes -----------------------------------------------------------------------------

    # Shares per year: a shop loses an account or two per thousand customers a month, mostly
    # through the back office, and retires a few percent of its catalogue a year.
    CUSTOMER_DELETE_RATE = 0.005  # the back office, re-registration allowed: a hard delete
    CUSTOMER_SOFT_DELETE_RATE = 0.003  # the back office, re-registration denied
    GDPR_ERASURE_RATE = 0.002  # the psgdpr module
    ADDRESS_DELETE_RATE = 0.01
    PRODUCT_DELETE_RATE = 0.05
    CATEGORY_DELETES_PER_YEAR = 1.0

    def _deletions(self) -> dict[str, int]:
        """Records removed as a real shop removes them (demo_shop/deletes.py), each at a moment
        inside the advanced period."""
        years = (self.end - self.start) / (365 * clock.DAY)
        customers = self.next_id["customers"] - 1
        done = dict.fromkeys(
            ("customers", "customers_soft", "gdpr_erasures", "addresses", "products", "categories",
             "carts_purged"),
            0,
        )  # fmt: skip
        anonymous = int(self.meta.get("psgdpr_anonymous_customer", 0))
        plan = (
            ("customers", customers * self.CUSTOMER_DELETE_RATE, deletes.delete_customer),
            ("customers_soft", customers * self.CUSTOMER_SOFT_DELETE_RATE,
             deletes.soft_delete_customer),
            ("gdpr_erasures", customers * self.GDPR_ERASURE_RATE, deletes.gdpr_erase_customer),
        )  # fmt: skip
        for kind, rate, delete in plan:
            for _ in range(poisson(self.rng, rate * years)):
                customer_id = self.rng.randint(1, self.next_id["customers"] - 1)
                if customer_id != anonymous and delete(self.conn, customer_id, self._when()):
                    done[kind] += 1
        addresses = self.next_id["addresses"] - 1
        for _ in range(poisson(self.rng, addresses * self.ADDRESS_DELETE_RATE * years)):
            address_id = self.rng.randint(1, self.next_id["addresses"] - 1)
            if deletes.delete_address(self.conn, address_id, self._when()):
                done["addresses"] += 1
        max_product = self.conn.execute("SELECT max(id) FROM products").fetchone()[0] or 0
        for _ in range(poisson(self.rng, max_product * self.PRODUCT_DELETE_RATE * years)):
            if deletes.delete_product(self.conn, self.rng.randint(1, max_product)):
                done["products"] += 1
        for _ in range(poisson(self.rng, self.CATEGORY_DELETES_PER_YEAR * years)):
            leaves = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM categories WHERE id NOT IN"
                    " (SELECT id_parent FROM categories) ORDER BY id"
                )
            ]
            if leaves and deletes.delete_category(self.conn, self.rng.choice(leaves)):
                done["categories"] += 1
        for _ in range(poisson(self.rng, deletes.PSCLEANER_RUNS_PER_YEAR * years)):
            done["carts_purged"] += deletes.purge_carts(self.conn, self._when())
        return done
