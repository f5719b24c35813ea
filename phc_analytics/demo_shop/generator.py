"""Generate a whole demo shop into a SQLite file, deterministically.

Same (seed, orders, end) gives a byte-identical shop (with the same Faker version, which
supplies the name and street pools). History covers three years before ``end`` with growth,
yearly and weekly seasonality, a few promotion spikes, repeat customers with a long tail and
orders still in flight at ``end`` (their future state changes wait in the ``pending`` table
for ``advance``).
"""

from __future__ import annotations

import hashlib
import math
import os
import queue
import random
import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from pathlib import Path

from phc_analytics.demo_shop import clock, deletes, multistore, store
from phc_analytics.demo_shop.model import (
    ADDRESSES,
    CARRIERS,
    CART_RULES,
    CARTS,
    CATEGORIES,
    CONFIGURATIONS,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    LANGUAGES,
    ORDER_CART_RULES,
    ORDER_DETAILS,
    ORDER_PAYMENTS,
    ORDER_SLIP,
    ORDER_STATES,
    ORDERS,
    PRODUCTS,
    STOCK_AVAILABLES,
    ZONES,
    cart_record,
    customer_payload,
    stock_record,
)
from phc_analytics.demo_shop.money import (
    SlipLine,
    cart_rules,
    payment_record,
    slip_record,
    transaction_id,
    voucher_row,
)
from phc_analytics.demo_shop.orders import (
    Buyer,
    Catalog,
    Counters,
    apply_state,
    draw_order,
    history_json,
    initial_state,
    render_order,
)
from phc_analytics.demo_shop.pools import locale_pool, slug
from phc_analytics.demo_shop.reference_data import (
    ADJECTIVES,
    CATEGORY_TREE,
    COLOURS,
    configurations,
    i18n,
)
from phc_analytics.demo_shop.reference_data import CARRIERS as CARRIER_DATA
from phc_analytics.demo_shop.reference_data import COUNTRIES as COUNTRY_DATA
from phc_analytics.demo_shop.reference_data import CURRENCIES as CURRENCY_DATA
from phc_analytics.demo_shop.reference_data import LANGUAGES as LANGUAGE_DATA
from phc_analytics.demo_shop.reference_data import ORDER_STATES as STATE_DATA
from phc_analytics.demo_shop.reference_data import ZONES as ZONE_DATA

HISTORY_DAYS = 3 * 365 + 1
CHUNK = 20_000
# Orders and order_details records are 1.5 to 4 kB of JSON: with SQLite's default 4 kB pages
# most of them spill to overflow pages. 32 kB pages make the bulk load about twice as fast
# and the file a fifth smaller; readers take the page size from the file.
PAGE_SIZE = 32_768
# _orders and render_order build these tables' rows by hand, in this column order.
if ORDERS.indexed != ("date_add", "date_upd", "id_customer", "current_state") or (
    ORDER_DETAILS.indexed != ("id_order", "product_id")
):
    raise RuntimeError("orders/order_details columns changed: update _orders and render_order")
HOUR_WEIGHTS = (
    1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.6, 2.6, 3.4, 4.0, 4.4,
    4.8, 4.6, 4.2, 4.0, 4.0, 4.2, 4.6, 5.4, 6.2, 6.0, 4.4, 2.4,
)  # fmt: skip
CUM_HOURS = list(accumulate(HOUR_WEIGHTS))
WEEKDAY_WEIGHTS = (1.08, 1.0, 0.98, 0.97, 0.9, 0.82, 1.12)  # Monday first
GROWTH_OVER_HISTORY = 2.5


def ws_key_for(seed: int) -> str:
    """The shop's 32-character Webservice key, derived from the seed."""
    return hashlib.md5(f"phc-demo-shop:{seed}".encode(), usedforsecurity=False).hexdigest().upper()


@dataclass(frozen=True)
class ShopInfo:
    path: Path
    seed: int
    orders: int
    ws_key: str
    clock: str


def day_weights(rng: random.Random, start_day: int, days: int) -> list[float]:
    """Relative order volume per day: growth x yearly shape x weekday x noise x promotions."""
    weights = []
    promo_days = {rng.randrange(days) for _ in range(max(1, days // 300))}
    for d in range(days):
        date = clock.EPOCH.toordinal() + start_day + d
        dt = datetime.fromordinal(date)
        doy = dt.timetuple().tm_yday
        w = GROWTH_OVER_HISTORY ** (d / days)
        w *= 1 + 0.12 * math.cos(2 * math.pi * (doy - 10) / 365)  # winter high, summer low
        if dt.month == 11 and 22 <= dt.day <= 30:
            w *= 2.2  # Black Friday week
        elif dt.month == 12 and dt.day <= 20:
            w *= 1.6  # Christmas shopping
        elif dt.month in (7, 8):
            w *= 0.8
        w *= WEEKDAY_WEIGHTS[dt.weekday()]
        w *= max(0.5, rng.gauss(1, 0.08))
        if d in promo_days:
            w *= 3.0
        weights.append(w)
    return weights


class Calendar:
    """Inverse CDF of order time over the history: one uniform draw gives one timestamp."""

    def __init__(self, rng: random.Random, start: int, days: int):
        self.start = start
        self.days = days
        self.weights = day_weights(rng, start // clock.DAY, days)
        total = sum(self.weights)
        self.cum = [0.0, *(c / total for c in accumulate(self.weights))]

    def time_at(self, q: float) -> int:
        d = min(self.days - 1, max(0, bisect_right(self.cum, q) - 1))
        span = self.cum[d + 1] - self.cum[d]
        r = min(0.999999, max(0.0, (q - self.cum[d]) / span if span else 0.0))
        x = r * CUM_HOURS[-1]
        h = bisect_right(CUM_HOURS, x)
        before = CUM_HOURS[h - 1] if h else 0.0
        frac = (x - before) / HOUR_WEIGHTS[h]
        return self.start + d * clock.DAY + h * clock.HOUR + int(frac * clock.HOUR)

    def quantile(self, t: int) -> float:
        d = int(min(self.days - 1, max(0, (t - self.start) // clock.DAY)))
        within = ((t - self.start) - d * clock.DAY) / clock.DAY
        return self.cum[d] + (self.cum[d + 1] - self.cum[d]) * min(1.0, max(0.0, within))

    def orders_per_day_at_end(self, orders: int) -> float:
        last = self.weights[-28:]
        return orders * (sum(last) / len(last)) / sum(self.weights)


def generate_shop(
    path: str | Path,
    orders: int = 2000,
    seed: int = 42,
    end: datetime | None = None,
    stores: int = 1,
) -> ShopInfo:
    """Write a new shop file at ``path`` (replacing it); ``end`` defaults to today 00:00.
    ``stores`` > 1 makes a multistore installation (``multistore.py``)."""
    if orders < 1:
        raise ValueError("orders must be >= 1")
    multistore.layout(stores)  # refuses a bad count before any work
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    end_sec = clock.from_datetime(end or clock.today_midnight())
    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    conn = store.connect(tmp, page_size=PAGE_SIZE)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=OFF")  # a fresh file, written once: no journal needed
    store.create_schema(conn)
    conn.execute("BEGIN")
    _Builder(conn, orders, seed, end_sec).run()
    if stores > 1:
        multistore.make_multistore(conn, stores)
    store.create_indexes(conn)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    return ShopInfo(path, seed, orders, ws_key_for(seed), clock.fmt(end_sec))


class _Builder:
    def __init__(self, conn, orders: int, seed: int, end: int):
        self.conn = conn
        self.n_orders = orders
        self.seed = seed
        self.end = end
        self.start = end - HISTORY_DAYS * clock.DAY
        self.install = self.start - 400 * clock.DAY
        self.calendar = Calendar(self._rng("calendar"), self.start, HISTORY_DAYS)
        self.n_customers = max(30, orders // 5)
        self.n_products = max(50, orders // 100)

    def _rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{part}")  # noqa: S311 - simulation

    def run(self) -> None:
        self._reference_data()
        catalog = self._catalog()
        customers = self._customers()
        self._orders(customers, catalog)
        self._clean_up_carts()
        self._stock(catalog)
        store.set_meta(
            self.conn,
            {
                "schema_version": store.SCHEMA_VERSION,
                "seed": self.seed,
                "ws_key": ws_key_for(self.seed),
                "clock": clock.fmt(self.end),
                "generated_orders": self.n_orders,
                "orders_per_day": f"{self.calendar.orders_per_day_at_end(self.n_orders):.4f}",
                "advance_count": 0,
            },
        )

    # --- reference data ----------------------------------------------------------------------

    def _reference_data(self) -> None:
        c = self.conn
        store.write_records(
            c,
            ORDER_STATES,
            (
                {
                    "id": s.id,
                    "unremovable": "1",
                    "delivery": str(s.delivery),
                    "hidden": "0",
                    "send_email": str(s.send_email),
                    "module_name": s.module,
                    "invoice": str(s.invoice),
                    "color": s.color,
                    "logable": str(s.logable),
                    "shipped": str(s.shipped),
                    "paid": str(s.paid),
                    "pdf_delivery": "0",
                    "pdf_invoice": "1" if s.id == 2 else "0",
                    "deleted": "0",
                    "name": i18n(s.en, s.fr),
                    "template": i18n(s.template, s.template),
                }
                for s in STATE_DATA
            ),
        )
        store.write_records(
            c, ZONES, ({"id": z, "name": name, "active": "1"} for z, name in ZONE_DATA)
        )
        store.write_records(
            c,
            COUNTRIES,
            (
                {
                    "id": k.id,
                    "id_zone": str(k.zone),
                    "id_currency": "0",
                    "call_prefix": k.prefix,
                    "iso_code": k.iso,
                    "active": "1" if k.weight else "0",
                    "contains_states": "1" if k.iso in ("US", "CA", "AU") else "0",
                    "need_identification_number": "0",
                    "need_zip_code": "1" if k.zip_format else "0",
                    "zip_code_format": k.zip_format,
                    "display_tax_label": "1",
                    "name": i18n(k.en, k.fr),
                }
                for k in COUNTRY_DATA
            ),
        )
        store.write_records(
            c,
            CURRENCIES,
            (
                {
                    "id": cur.id,
                    "names": i18n(cur.en, cur.fr),
                    "name": cur.en,
                    "symbol": i18n(cur.symbol, cur.symbol),
                    "iso_code": cur.iso,
                    "numeric_iso_code": cur.numeric,
                    "precision": "2",
                    "conversion_rate": f"{cur.rate:.6f}",
                    "deleted": "0",
                    "active": "1",
                    "unofficial": "0",
                    "modified": "0",
                    "pattern": i18n("¤#,##0.00", "#,##0.00 ¤"),
                }
                for cur in CURRENCY_DATA
            ),
        )
        store.write_records(
            c,
            LANGUAGES,
            (
                {
                    "id": int(lid),
                    "name": name,
                    "iso_code": iso,
                    "locale": locale,
                    "language_code": code,
                    "active": "1",
                    "is_rtl": "0",
                    "date_format_lite": lite,
                    "date_format_full": full,
                }
                for lid, name, iso, locale, code, lite, full in LANGUAGE_DATA
            ),
        )
        store.write_records(
            c,
            CARRIERS,
            (
                {
                    "id": k.id,
                    "deleted": "0",
                    "is_module": "0",
                    "id_tax_rules_group": "1",
                    "id_reference": str(k.id),
                    "name": k.name,
                    "active": "1",
                    "is_free": "1" if not any(k.prices) else "0",
                    "url": k.url,
                    "shipping_handling": "0" if not any(k.prices) else "1",
                    "shipping_external": "0",
                    "range_behavior": "0",
                    "shipping_method": 2,  # a getter returning a PHP int: an int in JSON
                    "max_width": "0",
                    "max_height": "0",
                    "max_depth": "0",
                    "max_weight": "0.000000",
                    "grade": "0",
                    "external_module_name": "",
                    "need_range": "0",
                    "position": str(k.id - 1),
                    "delay": i18n(k.delay_en, k.delay_fr),
                }
                for k in CARRIER_DATA
            ),
        )
        multistore.write_installation(c, multistore.layout(1))
        date = clock.fmt(self.install)
        store.write_records(
            c,
            CONFIGURATIONS,
            (
                {
                    "id": n,
                    "value": value,
                    "name": name,
                    # NULL columns named id_* render as "" (WebserviceOutputBuilder::renderField)
                    "id_shop_group": "",
                    "id_shop": "",
                    "date_add": date,
                    "date_upd": date,
                }
                for n, (name, value) in enumerate(configurations(), 1)
            ),
        )

    # --- catalogue ---------------------------------------------------------------------------

    def _catalog(self) -> Catalog:
        rng = self._rng("catalog")
        date = clock.fmt(self.install)
        leaves = []  # (category id, top id, tax group, leaf tuple)
        categories = [
            self._category(1, 0, 0, 0, "Root", "Racine", date, is_root=False),
            self._category(2, 1, 1, 1, "Home", "Accueil", date, is_root=True),
        ]
        next_id = 3
        for pos, (en, fr, tax, subs) in enumerate(CATEGORY_TREE):
            top = next_id
            next_id += 1
            categories.append(self._category(top, 2, 2, pos, en, fr, date))
            for sub_pos, leaf in enumerate(subs):
                categories.append(self._category(next_id, top, 3, sub_pos, leaf[0], leaf[1], date))
                leaves.append((next_id, top, tax, leaf))
                next_id += 1

        # Most of the catalogue predates the history; the rest arrives over time.
        intros = sorted(
            self.start - int(rng.uniform(1, 500) * clock.DAY)
            if rng.random() < 0.65
            else self.start + int(rng.random() * (self.end - self.start - 7 * clock.DAY))
            for _ in range(self.n_products)
        )
        products, popularity = [], {}
        used_names: set[str] = set()
        by_category: dict[int, list[int]] = {}
        for pid, intro in enumerate(intros, 1):
            cat_id, top_id, tax, leaf = leaves[rng.randrange(len(leaves))]
            _, _, noun_en, noun_fr, lo, hi = leaf
            adj, col = rng.choice(ADJECTIVES), rng.choice(COLOURS)
            name_en = f"{adj[0]} {noun_en} - {col[0]}"
            name_fr = f"{noun_fr} {adj[1]} - {col[1]}"
            if name_en in used_names:
                name_en, name_fr = f"{name_en} {pid}", f"{name_fr} {pid}"
            used_names.add(name_en)
            incl_cents = int(rng.uniform(lo, hi)) * 100 + rng.choice((0, 50, 90, 90, 99))
            rate = 0.2 if tax == 1 else 0.055
            excl_micro = round(incl_cents * 10_000 / (1 + rate))
            wholesale = round(excl_micro * rng.uniform(0.3, 0.6))
            retired = None
            if rng.random() < 0.05:
                retired = intro + int(rng.random() * max(clock.DAY, self.end - intro))
                retired = min(retired, self.end - clock.HOUR)
            updated = retired or (
                intro + int(rng.random() * (self.end - intro)) if rng.random() < 0.3 else intro
            )
            popularity[pid] = rng.paretovariate(1.1)
            by_category.setdefault(cat_id, []).append(pid)
            by_category.setdefault(top_id, []).append(pid)
            by_category.setdefault(2, []).append(pid)
            products.append(
                self._product(
                    pid, cat_id, top_id, tax, name_en, name_fr, excl_micro, wholesale,
                    intro, updated, retired is None, rng,
                )
            )  # fmt: skip
        for cat in categories:
            children = [str(k["id"]) for k in categories if k["id_parent"] == str(cat["id"])]
            assoc = {}
            if children:
                assoc["categories"] = [{"id": k} for k in children]
            if by_category.get(cat["id"]):
                assoc["products"] = [{"id": str(p)} for p in by_category[cat["id"]]]
            if assoc:
                cat["associations"] = assoc
        store.write_records(self.conn, CATEGORIES, categories)
        store.write_records(self.conn, PRODUCTS, products)
        self.conn.executemany(
            "INSERT INTO product_popularity (id, weight) VALUES (?, ?)", popularity.items()
        )
        return Catalog.from_records(products, popularity)

    @staticmethod
    def _category(cid, parent, depth, pos, en, fr, date, is_root=False) -> dict:
        link_en, link_fr = slug_words(en), slug_words(fr)
        return {
            "id": cid,
            "id_parent": str(parent),
            "level_depth": str(depth),
            "nb_products_recursive": "-1",
            "active": "1",
            "id_shop_default": "1",
            "is_root_category": "1" if is_root else "0",
            "position": str(pos),
            "date_add": date,
            "date_upd": date,
            "name": i18n(en, fr),
            "link_rewrite": i18n(link_en, link_fr),
            "description": i18n(f"<p>{en}</p>", f"<p>{fr}</p>") if depth > 1 else i18n("", ""),
            "additional_description": i18n("", ""),
            "meta_title": i18n("", ""),
            "meta_description": i18n("", ""),
            "meta_keywords": i18n("", ""),
        }

    def _product(
        self, pid, cat_id, top_id, tax, name_en, name_fr, excl_micro, wholesale,
        intro, updated, active, rng,
    ) -> dict:  # fmt: skip
        reference = f"demo_{pid}"
        ean = f"{rng.randrange(10**12):012d}"
        ean += str((10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(ean)) % 10) % 10)
        return {
            "id": pid,
            "id_manufacturer": "0",
            "id_supplier": "0",
            "id_category_default": str(cat_id),
            "new": None,
            "cache_default_attribute": "0",
            "id_default_image": "",
            "id_default_combination": "0",
            "id_tax_rules_group": str(tax),
            "position_in_category": "0",
            "manufacturer_name": "",
            "quantity": "0",
            "type": "simple",
            "id_shop_default": "1",
            "reference": reference,
            "supplier_reference": "",
            "location": "",
            "width": "0.000000",
            "height": "0.000000",
            "depth": "0.000000",
            "weight": f"{rng.uniform(0.05, 3):.6f}",
            "quantity_discount": "0",
            "ean13": ean,
            "isbn": "",
            "upc": "",
            "mpn": "",
            "cache_is_pack": "0",
            "cache_has_attachments": "0",
            "is_virtual": "0",
            "state": "1",
            "additional_delivery_times": "1",
            "delivery_in_stock": i18n("", ""),
            "delivery_out_stock": i18n("", ""),
            "product_type": "standard",
            "on_sale": "0",
            "online_only": "0",
            "ecotax": "0.000000",
            "minimal_quantity": "1",
            "low_stock_threshold": None,
            "low_stock_alert": "0",
            "price": f"{excl_micro / 1_000_000:.6f}",
            "wholesale_price": f"{wholesale / 1_000_000:.6f}",
            "unity": "",
            "unit_price": "0.000000",
            "unit_price_ratio": "0.000000",
            "additional_shipping_cost": "0.000000",
            "customizable": "0",
            "text_fields": "0",
            "uploadable_files": "0",
            "active": "1" if active else "0",
            "redirect_type": "default",
            "id_type_redirected": "0",
            "available_for_order": "1" if active else "0",
            "available_date": clock.ZERO_DATE,
            "show_condition": "0",
            "condition": "new",
            "show_price": "1",
            "indexed": "1",
            "visibility": "both",
            "advanced_stock_management": "0",
            "date_add": clock.fmt(intro),
            "date_upd": clock.fmt(updated),
            "pack_stock_type": "3",
            "meta_description": i18n("", ""),
            "meta_keywords": i18n("", ""),
            "meta_title": i18n("", ""),
            "link_rewrite": i18n(slug_words(name_en), slug_words(name_fr)),
            "name": i18n(name_en, name_fr),
            "description": i18n(
                f"<p>{name_en}, designed in France.</p>", f"<p>{name_fr}, conçu en France.</p>"
            ),
            "description_short": i18n(f"<p>{name_en}</p>", f"<p>{name_fr}</p>"),
            "available_now": i18n("In stock", "En stock"),
            "available_later": i18n("", ""),
            "associations": {
                "categories": [{"id": "2"}, {"id": str(top_id)}, {"id": str(cat_id)}],
                "stock_availables": [{"id": str(pid), "id_product_attribute": "0"}],
            },
        }

    # --- customers and their addresses -------------------------------------------------------

    def _customers(self) -> list[_Customer]:
        rng = self._rng("customers")
        cal = self.calendar
        n_cust = self.n_customers
        buyers = min(self.n_orders, round(0.78 * n_cust))
        guests = round(0.22 * buyers)
        registered_buyers = buyers - guests
        extra = self.n_orders - buyers

        # Orders per customer: one each for buyers, then a heavy (Pareto) tail for the rest.
        counts = [1] * buyers + [0] * (n_cust - buyers)
        weights = [min(60.0, rng.paretovariate(1.3)) for _ in range(registered_buyers)]
        if registered_buyers and extra:
            total = sum(weights)
            floors = [int(extra * w / total) for w in weights]
            for i, f in enumerate(floors):
                counts[i] += f
            for i in rng.choices(range(registered_buyers), weights=weights, k=extra - sum(floors)):
                counts[i] += 1
        big_cut = sorted(weights, reverse=True)[max(0, len(weights) // 200 - 1)] if weights else 0

        country_weights = list(accumulate(c.weight for c in COUNTRY_DATA))
        people = []
        for i in range(n_cust):
            n = counts[i]
            # Heavy buyers tend to be older customers: skew their signup towards the start.
            q = 1 - (1 - rng.random()) ** (1 / (1 + 0.15 * max(0, n - 1)))
            signup = cal.time_at(q)
            country = COUNTRY_DATA[
                bisect_right(country_weights, rng.random() * country_weights[-1])
            ]
            times = []
            if n:
                first = signup + (int(rng.uniform(60, 1800)) if i < registered_buyers else 0)
                times.append(min(first, self.end - 1))
                life = int(rng.expovariate(1 / (400 * (1 + math.log(n)))) * clock.DAY)
                q_lo, q_hi = cal.quantile(times[0]), cal.quantile(min(self.end - 1, signup + life))
                if q_hi - q_lo < 1e-9:
                    q_hi = cal.quantile(self.end - 1)
                times += [cal.time_at(q_lo + rng.random() * (q_hi - q_lo)) for _ in range(n - 1)]
                times.sort()
            people.append(
                _Customer(
                    signup=signup,
                    guest=registered_buyers <= i < buyers,
                    country=country,
                    order_times=times,
                    big=i < registered_buyers and weights[i] >= big_cut,
                )
            )
        people.sort(key=lambda p: p.signup)

        self._person_details(rng, people)
        # Addresses: one at signup (or at the guest's order); some customers move later and
        # PrestaShop keeps the used address, deleted, and creates a new one.
        events = []
        for idx, p in enumerate(people):
            p.id = idx + 1
            if p.order_times or rng.random() < 0.5:
                events.append((p.signup, idx, 0))
                if len(p.order_times) >= 2 and rng.random() < 0.06:
                    moved = rng.randint(p.order_times[0] + 1, p.order_times[-1])
                    events.append((moved, idx, 1))
        events.sort()
        addresses = []
        for aid, (at, idx, moved) in enumerate(events, 1):
            p = people[idx]
            if moved:
                old = addresses[p.addresses[-1][1] - 1]
                old["deleted"] = "1"
                old["date_upd"] = clock.fmt(at)
            p.addresses.append((at, aid))
            addresses.append(self._address(rng, aid, p, at))
        store.write_records(self.conn, CUSTOMERS, (self._customer_record(rng, p) for p in people))
        store.write_records(self.conn, ADDRESSES, addresses)
        return people

    def _person_details(self, rng: random.Random, people: list[_Customer]) -> None:
        for p in people:
            pool = locale_pool(p.country.locale)
            p.gender = rng.choice((1, 2, 2, 0)) if not p.guest else 0
            first_pool = pool.male if p.gender == 1 else pool.female
            p.firstname = rng.choice(first_pool)
            p.lastname = rng.choice(pool.last)
            p.lang = "2" if p.country.iso in FRENCH_SPEAKING else "1"
            p.secure_key = hashlib.md5(
                f"{self.seed}:customer:{p.id}".encode(), usedforsecurity=False
            ).hexdigest()

    def _address(self, rng: random.Random, aid: int, p: _Customer, at: int) -> dict:
        pool = locale_pool(p.country.locale)
        postcode, city = rng.choice(pool.places)
        date = clock.fmt(at)
        return {
            "id": aid,
            "id_customer": str(p.id),
            "id_manufacturer": "0",
            "id_supplier": "0",
            "id_warehouse": "0",
            "id_country": str(p.country.id),
            "id_state": "0",
            "alias": "Mon adresse" if p.lang == "2" else "My address",
            "company": "",
            "lastname": p.lastname,
            "firstname": p.firstname,
            "vat_number": "",
            "address1": rng.choice(pool.streets),
            "address2": "",
            "postcode": postcode,
            "city": city,
            "other": "",
            "phone": rng.choice(pool.phones),
            "phone_mobile": "",
            "dni": "",
            "deleted": "0",
            "date_add": date,
            "date_upd": date,
        }

    def _customer_record(self, rng: random.Random, p: _Customer) -> dict:
        date = clock.fmt(p.signup)
        last_activity = p.order_times[-1] if p.order_times else p.signup
        updated = p.signup
        deleted = not p.guest and rng.random() < 0.015
        if deleted:
            updated = last_activity + int(rng.random() * max(1, self.end - last_activity))
        elif rng.random() < 0.15:
            updated = p.signup + int(rng.random() * (self.end - p.signup))
        newsletter = not p.guest and rng.random() < 0.35
        passwd_seed = hashlib.sha256(f"{self.seed}:pw:{p.id}".encode()).hexdigest()
        birthday = clock.ZERO_DATE
        if not p.guest and rng.random() < 0.4:
            birthday = (
                f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            )
        return customer_payload(
            id=p.id,
            guest=p.guest,
            lang=p.lang,
            firstname=p.firstname,
            lastname=p.lastname,
            email=f"{slug(p.firstname)}.{slug(p.lastname)}{p.id}@{EMAIL_DOMAINS[p.id % 4]}",
            gender=p.gender,
            secure_key=p.secure_key,
            passwd="$2y$10$" + passwd_seed[:53],
            date_add=date,
            date_upd=clock.fmt(updated),
            birthday=birthday,
            newsletter_date_add=date if newsletter else clock.ZERO_DATETIME,
            newsletter=newsletter,
            optin=newsletter and rng.random() < 0.5,
            deleted=deleted,
        )

    # --- orders ------------------------------------------------------------------------------

    def _orders(self, people: list[_Customer], catalog: Catalog) -> None:
        """Orders in date order, written in chunks. Each order is drawn, its states up to the
        shop clock applied, then rendered straight to JSON (``render_order``); a second
        thread inserts one chunk while the next one is generated."""
        rng = self._rng("orders")
        end = self.end
        fmt = clock.fmt
        skeleton = sorted((t, idx) for idx, p in enumerate(people) for t in p.order_times)
        counters = Counters()
        next_detail = next_history = next_payment = next_slip = 1
        orders_sql = store.insert_sql(ORDERS)
        details_sql = store.insert_sql(ORDER_DETAILS)
        histories_sql = (
            "INSERT INTO order_histories (id, id_order, date_add, json) VALUES (?,?,?,?)"
        )
        pending_sql = "INSERT INTO pending VALUES (?,?,?,?)"
        payments_sql, slips_sql = store.insert_sql(ORDER_PAYMENTS), store.insert_sql(ORDER_SLIP)
        carts_sql = store.insert_sql(CARTS)
        vouchers_sql = store.insert_sql(ORDER_CART_RULES)
        next_voucher = 1
        uses: dict[int, tuple[int, str]] = {}
        # Its own generator: carts draw nothing from the orders' sequence, so adding them left
        # every order of a seed as it was.
        cart_rng = self._rng("carts")
        prev_at = self.start
        with _Writer(self.conn) as writer:
            for chunk_start in range(0, len(skeleton), CHUNK):
                order_rows, detail_rows, histories, pending = [], [], [], []
                payments, slips, carts, vouchers = [], [], [], []
                for offset, (at, idx) in enumerate(skeleton[chunk_start : chunk_start + CHUNK]):
                    order_id = chunk_start + offset + 1
                    p = people[idx]
                    address = p.address_at(at)
                    buyer = Buyer(p.id, p.lang, p.country, p.secure_key, address, address, p.big)
                    cart_before = counters.cart
                    draft = draw_order(rng, at, buyer, catalog, counters)
                    if draft.voucher:
                        vouchers.append(
                            store.row_for(
                                ORDER_CART_RULES, voucher_row(next_voucher, order_id, draft)
                            )
                        )
                        next_voucher += 1
                        count, _last = uses.get(draft.voucher, (0, ""))
                        uses[draft.voucher] = (count + 1, fmt(at))
                    carts += self._carts(
                        cart_rng, catalog, draft, p, address, range(cart_before + 1, draft.cart),
                        prev_at, at,
                    )  # fmt: skip
                    prev_at = at
                    date = fmt(at)
                    state = initial_state(order_id, date, draft.paid_incl)
                    refunded = False
                    for state_id, when, employee in draft.plan:
                        if when <= end:
                            when_s = fmt(when)
                            unpaid = state["total_paid_real"] == "0.000000"
                            apply_state(state, state_id, when, counters, when_s)
                            if unpaid and state["total_paid_real"] != "0.000000":
                                payments.append(self._payment(next_payment, draft, when_s, state))
                                next_payment += 1
                            if state_id == 7 and not refunded:
                                slips.append(
                                    self._slip(next_slip, p.id, order_id, draft, next_detail,
                                               when_s)
                                )  # fmt: skip
                                next_slip += 1
                            refunded = refunded or state_id == 7
                            histories.append((when, order_id, state_id, employee, when_s))
                        else:
                            pending.append((order_id, fmt(when), state_id, employee))
                    order_json, details = render_order(
                        draft, order_id, date, buyer, catalog, next_detail, state, refunded
                    )
                    next_detail += len(details)
                    detail_rows += details
                    # id, then ORDERS.indexed (date_add, date_upd, id_customer, current_state)
                    order_rows.append(
                        (order_id, date, state["date_upd"], p.id, int(state["current_state"]),
                         order_json)
                    )  # fmt: skip
                # History ids follow insertion time, as PrestaShop's auto-increment does.
                histories.sort()
                history_rows = []
                for _, order_id, state_id, employee, when_s in histories:
                    history_rows.append(
                        (next_history, order_id, when_s,
                         history_json(next_history, employee, state_id, order_id, when_s))
                    )  # fmt: skip
                    next_history += 1
                writer.put(
                    (orders_sql, order_rows),
                    (details_sql, detail_rows),
                    (histories_sql, history_rows),
                    (pending_sql, pending),
                    (payments_sql, payments),
                    (slips_sql, slips),
                    (carts_sql, carts),
                    (vouchers_sql, vouchers),
                )
        store.write_records(self.conn, CART_RULES, cart_rules(fmt(self.install), uses))
        store.set_meta(
            self.conn,
            {
                "next_invoice": counters.invoice,
                "next_delivery": counters.delivery,
                "last_cart": counters.cart,
            },
        )

    def _clean_up_carts(self) -> None:
        """The shop as its merchant keeps it: pscleaner has run now and then, so order-less
        carts older than a month before its last run are gone, and a new shop's first sweep
        sees the purges of its own period, not years of them. Each purge removes every stale
        cart, so the last run alone leaves what all of them would have left."""
        rng = self._rng("pscleaner")
        last_run = self.end - int(rng.random() * 365 / deletes.PSCLEANER_RUNS_PER_YEAR * clock.DAY)
        deletes.purge_carts(self.conn, last_run)

    @staticmethod
    def _carts(rng, catalog: Catalog, draft, person, address: int, abandoned, since: int, at: int):
        """The order's cart, and the carts abandoned between the previous order and this one
        (the ids PrestaShop handed out in between): half by visitors who never logged in
        (no customer, no address), half by this customer, who came back to buy."""
        rows = []
        for cart_id in abandoned:
            created = since + int(rng.random() * max(1, at - since))
            if rng.random() < 0.5:
                customer, guest, addr, key = 0, 1_000_000 + cart_id, 0, ""
            else:
                customer, guest, addr, key = person.id, person.id, address, person.secure_key
            picks = {catalog.ids[catalog.pick(rng, created)]: 1 + int(rng.random() < 0.2)
                     for _ in range(1 + int(rng.random() * 3))}  # fmt: skip
            record = cart_record(
                cart_id, customer, guest, addr, 1, person.lang, 0, key, clock.fmt(created),
                clock.fmt(created + int(rng.random() * 2 * clock.HOUR)), list(picks.items()),
            )  # fmt: skip
            rows.append(store.row_for(CARTS, record))
        started = at - int(5 * 60 + rng.random() * 40 * 60)  # browsing before the checkout
        record = cart_record(
            draft.cart, person.id, person.id, address, draft.currency, person.lang,
            draft.carrier_id, person.secure_key, clock.fmt(started), clock.fmt(at),
            [(catalog.ids[line[0]], line[1]) for line in draft.lines],
        )  # fmt: skip
        rows.append(store.row_for(CARTS, record))
        return rows

    def _stock(self, catalog: Catalog) -> None:
        """What is on hand at the end of the history: a few products sold out, retired ones
        empty, the rest a few dozen units, more for the popular ones."""
        rng = self._rng("stock")
        records = []
        for idx, product_id in enumerate(catalog.ids):
            if catalog.retired[idx] is not None or rng.random() < 0.06:
                quantity = 0
            else:
                quantity = int(rng.lognormvariate(3.4, 0.8))
            records.append(stock_record(product_id, quantity))
        store.write_records(self.conn, STOCK_AVAILABLES, records)

    @staticmethod
    def _payment(payment_id: int, draft, date: str, state: dict) -> tuple:
        record = payment_record(
            payment_id, draft.reference, draft.currency, draft.paid_incl, draft.payment.label,
            draft.rate, date, transaction_id(draft.payment.module, payment_id),
        )  # fmt: skip
        return store.row_for(ORDER_PAYMENTS, record)

    @staticmethod
    def _slip(slip_id: int, customer_id: int, order_id: int, draft, first_detail: int, date: str):
        lines = [
            SlipLine(first_detail + n, qty, line_excl, line_incl)
            for n, (_i, qty, _e, _in, line_excl, line_incl, _w) in enumerate(draft.lines)
        ]
        record = slip_record(
            slip_id, customer_id, order_id, draft.rate, lines, date,
            (draft.ship_excl, draft.ship_incl),
        )  # fmt: skip
        return store.row_for(ORDER_SLIP, record)


class _Writer:
    """Runs the bulk inserts on a second thread. ``executemany`` releases the GIL while SQLite
    writes pages, so one chunk is stored while the next is generated; the connection is used
    by this thread only until ``close``. At most two chunks wait in the queue."""

    def __init__(self, conn):
        self.conn = conn
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="demo-shop-writer", daemon=True)
        self.thread.start()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def put(self, *batches: tuple[str, list]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batches)

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (batches := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that put() never blocks forever
            try:
                for sql, rows in batches:
                    self.conn.executemany(sql, rows)
            except BaseException as exc:  # re-raised by put() or close()
                self.error = exc


EMAIL_DOMAINS = ("mail.example.com", "example.org", "example.net", "inbox.example.com")
FRENCH_SPEAKING = {"FR", "BE", "LU", "CH"}


def slug_words(text: str) -> str:
    return "-".join(filter(None, (slug(w) for w in text.replace("'", " ").split())))


@dataclass
class _Customer:
    signup: int
    guest: bool
    country: object
    order_times: list[int]
    big: bool
    id: int = 0
    gender: int = 0
    firstname: str = ""
    lastname: str = ""
    lang: str = "1"
    secure_key: str = ""

    def __post_init__(self):
        self.addresses: list[tuple[int, int]] = []

    def address_at(self, at: int) -> int:
        current = self.addresses[0][1]
        for since, aid in self.addresses:
            if since <= at:
                current = aid
        return current
