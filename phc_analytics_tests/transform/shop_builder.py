"""A small, deterministic PrestaShop shop written straight into ``raw.*``.

Until the ingestion lands, the dbt project is developed against payloads built here. They follow
the Webservice's JSON with ``display=full`` (reference: prestashop-webservice.md sections 6-10):
the entity ``id`` is an int and every other value a string, booleans "0"/"1", decimals with six
places, zero dates "0000-00-00 00:00:00", "" for unset id_* fields, multilingual fields as a
list of {"id", "value"} (two languages) or a plain string, ``associations`` last.

The builder also keeps the shop as plain Python objects, so the tests can compute every KPI
independently of SQL and compare with the marts.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb

ZERO_DATETIME = "0000-00-00 00:00:00"
ZERO_DATE = "0000-00-00"
SIX = Decimal("0.000001")
TAX = Decimal("0.2")

# Default PrestaShop states (reference section 10), with the flags (logable, paid, shipped,
# delivery, invoice) and the configuration key that points at each.
STATES = [
    (1, "PS_OS_CHEQUE", "Awaiting check payment", "En attente du paiement par chèque", 0, 0, 0, 0, 0),  # noqa: E501
    (2, "PS_OS_PAYMENT", "Payment accepted", "Paiement accepté", 1, 1, 0, 0, 1),
    (3, "PS_OS_PREPARATION", "Processing in progress", "En cours de préparation", 1, 1, 0, 1, 1),
    (4, "PS_OS_SHIPPING", "Shipped", "Expédié", 1, 1, 1, 1, 1),
    (5, "PS_OS_DELIVERED", "Delivered", "Livré", 1, 1, 1, 1, 1),
    (6, "PS_OS_CANCELED", "Canceled", "Annulé", 0, 0, 0, 0, 0),
    (7, "PS_OS_REFUND", "Refunded", "Remboursé", 0, 0, 0, 0, 1),
    (8, "PS_OS_ERROR", "Payment error", "Erreur de paiement", 0, 0, 0, 0, 0),
    (9, "PS_OS_OUTOFSTOCK_PAID", "On backorder (paid)", "En attente de réappro. (payé)", 0, 1, 0, 0, 1),  # noqa: E501
    (10, "PS_OS_BANKWIRE", "Awaiting bank wire payment", "En attente de virement", 0, 0, 0, 0, 0),
    (11, "PS_OS_WS_PAYMENT", "Remote payment accepted", "Paiement à distance accepté", 1, 1, 0, 0, 1),  # noqa: E501
    (12, "PS_OS_OUTOFSTOCK_UNPAID", "On backorder (not paid)", "En attente de réappro. (non payé)", 0, 0, 0, 0, 0),  # noqa: E501
    (13, "PS_OS_COD_VALIDATION", "Awaiting COD validation", "En attente de validation (COD)", 0, 0, 0, 0, 0),  # noqa: E501
]  # fmt: skip
LOGABLE = {s[0]: bool(s[4]) for s in STATES}
STATUS_GROUP = {
    1: "awaiting_payment", 2: "paid", 3: "processing", 4: "shipped", 5: "delivered",
    6: "cancelled", 7: "refunded", 8: "payment_error", 9: "backorder", 10: "awaiting_payment",
    11: "paid", 12: "backorder", 13: "awaiting_payment",
}  # fmt: skip

# Lifecycles an order can follow (state ids in order).
LIFECYCLES = [
    ((10, 2, 3, 4, 5), 6),
    ((2, 3, 4, 5), 6),
    ((11, 3, 4), 3),
    ((2, 3), 2),
    ((11,), 2),
    ((1,), 1),
    ((1, 6), 1),
    ((2, 7), 1),
    ((8,), 1),
    ((9,), 1),
    ((12,), 1),
]

PAYMENTS = [("ps_wirepayment", "Bank transfer"), ("ps_checkpayment", "Payment by check"),
            ("stripe_official", "Card")]  # fmt: skip


def i18n(en: str, fr: str) -> list[dict[str, str]]:
    return [{"id": "1", "value": en}, {"id": "2", "value": fr}]


def money(value: Decimal) -> str:
    return str(value.quantize(SIX))


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Line:
    detail_id: int
    product_id: int
    quantity: int
    unit_excl: Decimal  # order currency
    unit_incl: Decimal
    name: str


@dataclass
class Order:
    id: int
    customer_id: int
    address_id: int
    currency_id: int
    rate: Decimal
    created: datetime
    module: str
    payment: str
    lines: list[Line]
    discount_excl: Decimal
    shipping_excl: Decimal
    wrapping_excl: Decimal
    history: list[tuple[int, int, datetime]]  # (history id, state id, date_add)

    @property
    def state(self) -> int:
        return self.history[-1][1]

    @property
    def updated(self) -> datetime:
        return self.history[-1][2]

    @property
    def products_excl(self) -> Decimal:
        return sum((ln.unit_excl * ln.quantity for ln in self.lines), Decimal(0))

    @property
    def products_incl(self) -> Decimal:
        return sum((ln.unit_incl * ln.quantity for ln in self.lines), Decimal(0))

    @property
    def paid_excl(self) -> Decimal:
        return self.products_excl - self.discount_excl + self.shipping_excl + self.wrapping_excl

    @property
    def is_valid(self) -> bool:
        return LOGABLE[self.state]

    @property
    def net_revenue(self) -> Decimal:
        """PrestaShop's sales figure in the default currency: (paid - shipping) tax excl / rate."""
        return (self.paid_excl - self.shipping_excl) / self.rate


@dataclass
class Product:
    id: int
    name_en: str
    name_fr: str
    category_id: int
    price: Decimal
    wholesale: Decimal


@dataclass
class Shop:
    products: dict[int, Product] = field(default_factory=dict)
    customers: dict[int, dict] = field(default_factory=dict)
    addresses: dict[int, dict] = field(default_factory=dict)
    address_country: dict[int, int] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    # Raw payloads per resource, in load order; several entries with one id are versions.
    payloads: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, resource: str, payload: dict) -> None:
        self.payloads.setdefault(resource, []).append(payload)


def _configurations(shop: Shop) -> None:
    values = [("PS_LANG_DEFAULT", "1"), ("PS_CURRENCY_DEFAULT", "1"), ("PS_COUNTRY_DEFAULT", "8"),
              ("PS_ROOT_CATEGORY", "1"), ("PS_HOME_CATEGORY", "2"), ("PS_OS_OUTOFSTOCK", "9")]  # fmt: skip  # noqa: E501
    values += [(key, str(sid)) for sid, key, *_ in STATES]
    for n, (name, value) in enumerate(values, start=1):
        shop.add("configurations", {
            "id": n, "value": value, "name": name, "id_shop_group": "", "id_shop": "",
            "date_add": "2023-06-01 09:00:00", "date_upd": "2023-06-01 09:00:00",
        })  # fmt: skip


def _reference_data(shop: Shop) -> None:
    for sid, _key, en, fr, logable, paid, shipped, delivery, invoice in STATES:
        shop.add("order_states", {
            "id": sid, "unremovable": "1", "delivery": str(delivery), "hidden": "0",
            "send_email": "1", "module_name": "", "invoice": str(invoice), "color": "#3498D8",
            "logable": str(logable), "shipped": str(shipped), "paid": str(paid),
            "pdf_delivery": "0", "pdf_invoice": "0", "deleted": "0", "name": i18n(en, fr),
            "template": i18n("payment", "payment"),
        })  # fmt: skip
    for zid, name in [(1, "Europe"), (2, "North America")]:
        shop.add("zones", {"id": zid, "name": name, "active": "1"})
    # Country 21 sends its name as a plain string, as a one-language shop would.
    for cid, zone, iso, en, fr in [(8, 1, "FR", "France", "France"), (1, 1, "DE", "Germany", "Allemagne"),  # noqa: E501
                                   (21, 2, "US", "United States", None)]:  # fmt: skip
        shop.add("countries", {
            "id": cid, "id_zone": str(zone), "id_currency": "0", "call_prefix": "33",
            "iso_code": iso, "active": "1", "contains_states": "0",
            "need_identification_number": "0", "need_zip_code": "1", "zip_code_format": "NNNNN",
            "display_tax_label": "1", "name": en if fr is None else i18n(en, fr),
        })  # fmt: skip
    for cur_id, iso, name, rate in [
        (1, "EUR", "Euro", "1.000000"),
        (2, "USD", "US Dollar", "1.100000"),
    ]:
        shop.add("currencies", {
            "id": cur_id, "names": i18n(name, name), "name": name, "symbol": i18n("€", "€"),
            "iso_code": iso, "numeric_iso_code": "978", "precision": "2", "conversion_rate": rate,
            "deleted": "0", "active": "1", "unofficial": "0", "modified": "0",
            "pattern": i18n("", ""),
        })  # fmt: skip
    for car_id, name in [(1, "0"), (2, "Colissimo")]:
        shop.add("carriers", {
            "id": car_id, "deleted": "0", "is_module": "0", "id_tax_rules_group": "1",
            "id_reference": str(car_id), "name": name, "active": "1", "is_free": "0", "url": "",
            "shipping_handling": "1", "shipping_external": "0", "range_behavior": "0",
            "shipping_method": 1, "max_width": "0", "max_height": "0", "max_depth": "0",
            "max_weight": "0.000000", "grade": "0", "external_module_name": "", "need_range": "0",
            "position": "0", "delay": i18n("2-3 days", "2-3 jours"),
        })  # fmt: skip
    categories = [(1, 0, 0, "Root", "Racine"), (2, 1, 1, "Home", "Accueil"),
                  (3, 2, 2, "Clothes", "Vêtements"), (4, 3, 3, "Men", "Hommes"),
                  (5, 3, 3, "Women", "Femmes"), (6, 2, 2, "Home goods", "Maison")]  # fmt: skip
    for cat_id, parent, depth, en, fr in categories:
        shop.add("categories", {
            "id": cat_id, "id_parent": str(parent), "level_depth": str(depth),
            "nb_products_recursive": "0", "active": "1", "id_shop_default": "1",
            "is_root_category": "1" if cat_id == 2 else "0", "position": "0",
            "date_add": "2023-06-01 09:00:00", "date_upd": "2023-06-01 09:00:00",
            "name": i18n(en, fr), "link_rewrite": i18n(en.lower(), fr.lower()),
            "description": i18n("", ""),
        })  # fmt: skip


def _catalog(shop: Shop, rng: random.Random) -> None:
    names = [("Linen shirt", "Chemise en lin", 4), ("Wool sweater", "Pull en laine", 4),
             ("Silk scarf", "Foulard en soie", 5), ("Summer dress", "Robe d'été", 5),
             ("Denim jacket", "Veste en jean", 4), ("Leather belt", "Ceinture en cuir", 4),
             ("Cotton tote", "Sac en coton", 5), ("Ceramic mug", "Tasse en céramique", 6),
             ("Scented candle", "Bougie parfumée", 6), ("Throw blanket", "Plaid", 6),
             ("Linen napkins", "Serviettes en lin", 6), ("Rain coat", "Imperméable", 3),
             ("Wall clock", "Horloge murale", 6)]  # fmt: skip
    for pid, (en, fr, cat) in enumerate(names, start=1):
        price = Decimal(rng.randrange(900, 12000)) / 100
        wholesale = (price * Decimal(rng.choice(["0.35", "0.45", "0.55"]))).quantize(SIX)
        if pid == 13:
            wholesale = Decimal(0)  # PrestaShop's "no purchase price": no margin for it
        shop.products[pid] = Product(pid, en, fr, cat, price.quantize(SIX), wholesale)
        shop.add("products", {
            "id": pid, "id_manufacturer": "0", "id_supplier": "0", "id_category_default": str(cat),
            "new": None, "cache_default_attribute": "0", "id_default_image": "",
            "id_default_combination": 0, "id_tax_rules_group": "1", "position_in_category": "0",
            "manufacturer_name": False, "quantity": "0", "type": "simple", "id_shop_default": "1",
            "reference": f"REF-{pid:03d}", "supplier_reference": "", "location": "",
            "width": "0.000000", "height": "0.000000", "depth": "0.000000",
            "weight": "0.500000", "quantity_discount": "0", "ean13": "", "isbn": "", "upc": "",
            "mpn": "", "cache_is_pack": "0", "cache_has_attachments": "0", "is_virtual": "0",
            "state": "1", "additional_delivery_times": "1", "product_type": "standard",
            "on_sale": "0", "online_only": "0", "ecotax": "0.000000", "minimal_quantity": "1",
            "low_stock_threshold": None, "low_stock_alert": "0", "price": money(price),
            "wholesale_price": money(wholesale) if pid != 12 else "n/a",
            "unity": "", "unit_price_ratio": "0.000000", "additional_shipping_cost": "0.000000",
            "customizable": "0", "text_fields": "0", "uploadable_files": "0", "active": "1",
            "redirect_type": "404", "id_type_redirected": "0", "available_for_order": "1",
            "available_date": ZERO_DATE, "show_condition": "0", "condition": "new",
            "show_price": "1", "indexed": "1", "visibility": "both",
            "advanced_stock_management": "0", "date_add": "2023-06-01 09:00:00",
            "date_upd": "2023-06-01 09:00:00", "pack_stock_type": "3",
            "meta_description": i18n("", ""), "meta_keywords": i18n("", ""),
            "meta_title": i18n("", ""), "link_rewrite": i18n("p", "p"), "name": i18n(en, fr),
            "description": i18n("", ""), "description_short": i18n("", ""),
            "available_now": i18n("", ""), "available_later": i18n("", ""),
            "associations": {"categories": [{"id": "2"}, {"id": str(cat)}]},
        })  # fmt: skip
    # Product 12's wholesale price is unreadable: staging must yield NULL, not fail.
    shop.products[12].wholesale = Decimal(0)


def _people(shop: Shop, rng: random.Random) -> None:
    first = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès",
             "Jules", "Karim", "Léa", "Marc", "Nina", "Omar", "Paula", "Quentin", "Rose",
             "Sami", "Tara", "Ugo", "Vera"]  # fmt: skip
    address_id = 0
    for cid, name in enumerate(first, start=1):
        created = datetime(2023, 12, 1, 10) + timedelta(days=cid * 3, minutes=cid * 7)
        shop.customers[cid] = {"created": created, "is_guest": cid == 22}
        shop.add("customers", {
            "id": cid, "id_default_group": "3", "id_lang": "1", "newsletter_date_add": ZERO_DATETIME,  # noqa: E501
            "ip_registration_newsletter": "", "last_passwd_gen": ts(created), "secure_key": "x" * 32,  # noqa: E501
            "deleted": "0", "passwd": "$2y$10$hash", "lastname": "Martin", "firstname": name,
            "email": f" {name.upper()}@Example.com ", "id_gender": "1",
            "birthday": "1990-02-30" if cid == 3 else ZERO_DATE, "newsletter": "0", "optin": "0",
            "website": "", "company": "", "siret": "", "ape": "", "outstanding_allow_amount": "0.000000",  # noqa: E501
            "show_public_prices": "0", "id_risk": "0", "max_payment_days": "0", "active": "1",
            "note": "", "is_guest": "1" if cid == 22 else "0", "id_shop": "1", "id_shop_group": "1",
            "date_add": ts(created), "date_upd": ts(created), "reset_password_token": "",
            "reset_password_validity": None, "associations": {"groups": [{"id": "3"}]},
        })  # fmt: skip
        # Customer 5 moved: their first address was deleted (orders keep pointing at it).
        for deleted in [True, False] if cid == 5 else [False]:
            address_id += 1
            country = 21 if cid % 7 == 0 else (1 if cid % 4 == 0 else 8)
            shop.addresses[address_id] = {"customer_id": cid, "deleted": deleted}
            shop.address_country[address_id] = country
            shop.add("addresses", {
                "id": address_id, "id_customer": str(cid), "id_manufacturer": "0",
                "id_supplier": "0", "id_warehouse": "0", "id_country": str(country),
                "id_state": "0", "alias": "Home", "company": "", "lastname": "Martin",
                "firstname": name, "vat_number": "", "address1": f"{cid} rue des Lilas",
                "address2": "", "postcode": "75001", "city": "Paris", "other": "", "phone": "",
                "phone_mobile": "", "dni": "", "deleted": "1" if deleted else "0",
                "date_add": ts(created), "date_upd": ts(created),
            })  # fmt: skip


def _orders(shop: Shop, rng: random.Random, n_orders: int) -> None:
    start = datetime(2024, 1, 3, 9, 0)
    history_id = 0
    detail_id = 100
    customer_ids = [c for c in shop.customers if c != 21]  # customer 21 never orders
    weights = [6 if c in (1, 2, 3) else (3 if c % 3 == 0 else 1) for c in customer_ids]
    for oid in range(1, n_orders + 1):
        created = start + timedelta(days=oid * 7 + rng.randrange(0, 3), hours=rng.randrange(0, 9),
                                    minutes=rng.randrange(60))  # fmt: skip
        cid = rng.choices(customer_ids, weights)[0]
        addresses = [a for a, v in shop.addresses.items() if v["customer_id"] == cid]
        address_id = addresses[0] if created < datetime(2024, 9, 1) else addresses[-1]
        currency_id = 2 if shop.address_country[address_id] == 21 else 1
        rate = Decimal("1.100000") if currency_id == 2 else Decimal("1.000000")
        chosen = rng.sample(sorted(shop.products), k=rng.choice([1, 1, 2, 2, 3, 4]))
        if oid % 5 == 0 and 7 not in chosen:
            chosen[:1] = [7, 8]  # a frequent basket: tote + mug
        lines = []
        for pid in chosen:
            detail_id += 1
            unit_excl = (shop.products[pid].price * rate).quantize(SIX)
            unit_incl = (unit_excl * (1 + TAX)).quantize(SIX)
            lines.append(Line(detail_id, pid, rng.choice([1, 1, 2, 3]), unit_excl, unit_incl,
                              shop.products[pid].name_en))  # fmt: skip
        products = sum((ln.unit_excl * ln.quantity for ln in lines), Decimal(0))
        discount = (products * Decimal("0.1")).quantize(SIX) if oid % 6 == 0 else Decimal(0)
        shipping = (Decimal("4.990000") * rate).quantize(SIX) if products < 80 else Decimal(0)
        wrapping = (Decimal("2.500000") * rate).quantize(SIX) if oid % 11 == 0 else Decimal(0)
        states = rng.choices(LIFECYCLES, [w for _, w in LIFECYCLES])[0][0]
        if oid in (10, 23):
            states = (2, 7)  # refunded after payment: leaves revenue
        history, at = [], created
        for sid in states:
            history_id += 1
            history.append((history_id, sid, at))
            at += timedelta(hours=rng.randrange(5, 60))
        module, payment = PAYMENTS[oid % len(PAYMENTS)]
        shop.orders[oid] = Order(oid, cid, address_id, currency_id, rate, created, module,
                                 payment, lines, discount, shipping, wrapping, history)  # fmt: skip


def order_payload(
    order: Order, states_upto: int | None = None, lines: list[Line] | None = None
) -> dict:
    """The order as the Webservice shows it after its first ``states_upto`` state changes."""
    history = order.history if states_upto is None else order.history[:states_upto]
    state = history[-1][1]
    lines = order.lines if lines is None else lines
    products_excl = sum((ln.unit_excl * ln.quantity for ln in lines), Decimal(0))
    products_incl = sum((ln.unit_incl * ln.quantity for ln in lines), Decimal(0))
    paid_excl = products_excl - order.discount_excl + order.shipping_excl + order.wrapping_excl
    ship_incl = order.shipping_excl * (1 + TAX)
    paid_incl = (
        products_incl
        - order.discount_excl * (1 + TAX)
        + ship_incl
        + order.wrapping_excl * (1 + TAX)
    )
    invoiced = any(STATES[sid - 1][8] for _, sid, _ in history)
    invoice_date = ts(order.created + timedelta(hours=1)) if invoiced else ZERO_DATETIME
    if order.id == 4:
        invoice_date = "2024-02-30 10:00:00"  # an impossible date: NULL in staging
    return {
        "id": order.id,
        "id_address_delivery": str(order.address_id),
        "id_address_invoice": str(order.address_id),
        "id_cart": str(order.id + 500),
        "id_currency": str(order.currency_id),
        "id_lang": "1",
        "id_customer": str(order.customer_id),
        "id_carrier": "2",
        "current_state": str(state),
        "module": order.module,
        "invoice_number": "1" if invoiced else "0",
        "invoice_date": invoice_date,
        "delivery_number": "0",
        "delivery_date": ZERO_DATETIME,
        "valid": "1" if LOGABLE[state] else "0",
        "date_add": ts(order.created),
        "date_upd": ts(history[-1][2]),
        "shipping_number": "",
        "note": "",
        "id_shop_group": "1",
        "id_shop": "1",
        "secure_key": "s" * 32,
        "payment": order.payment,
        "recyclable": "0",
        "gift": "1" if order.wrapping_excl else "0",
        "gift_message": "",
        "mobile_theme": "0",
        "total_discounts": money(order.discount_excl * (1 + TAX)),
        "total_discounts_tax_incl": money(order.discount_excl * (1 + TAX)),
        "total_discounts_tax_excl": money(order.discount_excl),
        "total_paid": money(paid_incl),
        "total_paid_tax_incl": money(paid_incl),
        "total_paid_tax_excl": money(paid_excl),
        "total_paid_real": "0.000000",
        "total_products": money(products_excl),
        "total_products_wt": money(products_incl),
        "total_shipping": money(ship_incl),
        "total_shipping_tax_incl": money(ship_incl),
        "total_shipping_tax_excl": money(order.shipping_excl),
        "carrier_tax_rate": "20.000" if order.id != 9 else "n/a",
        "total_wrapping": money(order.wrapping_excl * (1 + TAX)),
        "total_wrapping_tax_incl": money(order.wrapping_excl * (1 + TAX)),
        "total_wrapping_tax_excl": money(order.wrapping_excl),
        "round_mode": "2",
        "round_type": "2",
        "conversion_rate": money(order.rate),
        "reference": f"REF{order.id:06d}",
        "associations": {
            "order_rows": [
                {
                    "id": str(ln.detail_id),
                    "product_id": str(ln.product_id),
                    "product_attribute_id": "0",
                    "product_quantity": str(ln.quantity),
                    "product_name": ln.name,
                    "product_reference": f"REF-{ln.product_id:03d}",
                    "product_ean13": "",
                    "product_isbn": "",
                    "product_upc": "",
                    "product_price": money(ln.unit_excl),
                    "id_customization": "0",
                    "unit_price_tax_incl": money(ln.unit_incl),
                    "unit_price_tax_excl": money(ln.unit_excl),
                }
                for ln in lines
            ]
        },
    }


def history_payload(history_id: int, order_id: int, state: int, at: datetime) -> dict:
    return {"id": history_id, "id_employee": "0", "id_order_state": str(state),
            "id_order": str(order_id), "date_add": ts(at)}  # fmt: skip


def build_shop(seed: int = 7, n_orders: int = 60) -> Shop:
    rng = random.Random(seed)
    shop = Shop()
    _configurations(shop)
    _reference_data(shop)
    _catalog(shop, rng)
    _people(shop, rng)
    _orders(shop, rng, n_orders)
    for order in shop.orders.values():
        # Orders with several states were also seen at an earlier state: a second raw version.
        if len(order.history) > 1:
            shop.add("orders", order_payload(order, states_upto=1))
        shop.add("orders", order_payload(order))
        for hid, sid, at in order.history:
            shop.add("order_histories", history_payload(hid, order.id, sid, at))
    return shop


CURSOR_FIELD = {"order_histories": "date_add"}
NO_CURSOR = {"order_states", "countries", "zones", "currencies", "carriers"}


def cursor_of(resource: str, payload: dict) -> datetime | None:
    if resource in NO_CURSOR:
        return None
    value = payload.get(CURSOR_FIELD.get(resource, "date_upd"))
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return None


def payload_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def insert_payloads(
    conn: psycopg.Connection, resource: str, payloads: list[dict], run_id: str
) -> int:
    """Write payloads as the ingestion does: one row per distinct version, replays are no-ops."""
    with conn.cursor() as cur:
        cur.executemany(
            f"""
            INSERT INTO raw.{resource} (id, payload_hash, cursor_value, payload, run_id)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (id, payload_hash) DO UPDATE SET last_seen_at = now()
            """,
            [
                (p["id"], payload_hash(p), cursor_of(resource, p), Jsonb(p), run_id)
                for p in payloads
            ],
        )
    return len(payloads)


def load_shop(url: str, shop: Shop, run_id: str = "fixture") -> None:
    """Load every resource, one transaction per resource (as one raw asset run each)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for resource, payloads in shop.payloads.items():
            with conn.transaction():
                insert_payloads(conn, resource, payloads, run_id)


def as_date(value: datetime) -> date:
    return value.date()
