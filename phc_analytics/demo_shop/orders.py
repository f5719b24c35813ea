"""How one order is made and how it moves through its states; shared by generate and advance.

Money is computed in integer cents (totals) and micro-units (unit prices tax excl, 6 places
as PrestaShop stores them) with ``PS_ROUND_TYPE`` = round per line, so that
``total_products`` is exactly the sum of the rounded line totals and differs from
Σ unit_price_tax_excl * qty by at most half a cent per line.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from phc_analytics.demo_shop import clock
from phc_analytics.demo_shop.reference_data import (
    CARRIERS,
    COUNTRY,
    CURRENCY,
    PAYMENTS,
    STATE,
    TAX_IDS,
    TAX_RATES,
    Country,
    Payment,
)
from phc_analytics.demo_shop.store import php_json

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LINE_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12)
LINE_WEIGHTS = (44, 24, 14, 8, 4, 2.5, 1.5, 1, 0.6, 0.4)
QTY_COUNTS = (1, 2, 3, 4, 5, 6)
QTY_WEIGHTS = (80, 12, 4, 2, 1, 1)
CUM_LINES = list(accumulate(LINE_WEIGHTS))
CUM_QTY = list(accumulate(QTY_WEIGHTS))
CUM_PAYMENTS = list(accumulate(p.share for p in PAYMENTS))


# Cart rules the discounts come from (reference_data.CART_RULES ids).
VOUCHER_FOR_PERCENT = {10: 1, 15: 2, 20: 3}
VOUCHER_AMOUNT = 4
VOUCHER_SHIPPING = 5


def money(cents: int) -> str:
    return f"{cents / 100:.6f}"


def micro(value: int) -> str:
    return f"{value / 1_000_000:.6f}"


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


@dataclass
class Catalog:
    """Products an order can contain, in id order (ids follow their creation date)."""

    ids: list[int]
    names: list[tuple[str, str]]
    references: list[str]
    ean13: list[str]
    excl_micro: list[int]
    wholesale_micro: list[int]
    tax_group: list[int]
    weight: list[str]
    intro: list[int]
    retired: list[int | None]
    cum_popularity: list[float] = field(default_factory=list)
    _fragments: _Fragments | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_records(cls, products: list[dict], popularity: dict[int, float]) -> Catalog:
        products = sorted(products, key=lambda p: p["id"])
        cat = cls([], [], [], [], [], [], [], [], [], [])
        for p in products:
            cat.ids.append(p["id"])
            names = {n["id"]: n["value"] for n in p["name"]}
            cat.names.append((names["1"], names["2"]))
            cat.references.append(p["reference"])
            cat.ean13.append(p["ean13"])
            cat.excl_micro.append(round(float(p["price"]) * 1_000_000))
            cat.wholesale_micro.append(round(float(p["wholesale_price"]) * 1_000_000))
            cat.tax_group.append(int(p["id_tax_rules_group"]))
            cat.weight.append(p["weight"])
            cat.intro.append(clock.parse(p["date_add"]))
            cat.retired.append(None if p["active"] == "1" else clock.parse(p["date_upd"]))
        cat.cum_popularity = list(accumulate(popularity.get(i, 1.0) for i in cat.ids))
        return cat

    def fragments(self) -> _Fragments:
        """The per-product JSON pieces ``render_order`` uses, built once."""
        if self._fragments is None:
            self._fragments = _Fragments(self)
        return self._fragments

    def pick(self, rng: random.Random, at: int) -> int:
        """Index of a product on sale at ``at``, drawn by popularity."""
        available = max(1, bisect_right(self.intro, at))
        total = self.cum_popularity[available - 1]
        idx = 0
        for _ in range(6):
            idx = min(bisect_left(self.cum_popularity, rng.random() * total), available - 1)
            retired = self.retired[idx]
            if retired is None or retired > at:
                break
        return idx


@dataclass
class Buyer:
    id: int
    lang: str
    country: Country
    secure_key: str
    address_delivery: int
    address_invoice: int
    big_spender: bool = False


@dataclass
class Counters:
    """Sequences PrestaShop keeps: invoice and delivery slip numbers, carts, tracking."""

    invoice: int = 0
    delivery: int = 0
    cart: int = 0


def conversion_rate(currency_id: int, at: int) -> float:
    base = CURRENCY[currency_id].rate
    if currency_id == 1:
        return 1.0
    # Exchange rates drift over the year; PrestaShop freezes the rate on the order.
    return round(base * (1 + 0.04 * math.sin(at / (365 * clock.DAY) * 2 * math.pi)), 6)


@dataclass(slots=True)
class Draft:
    """Everything drawn for one order, before it gets its ids, states and rendering.

    ``lines`` holds (catalogue index, qty, unit excl µ, unit incl µ, line excl ¢, line incl ¢,
    wholesale µ) per order line; amounts are in the order currency, in cents unless noted."""

    currency: int
    rate: float
    taxed: bool
    lang_index: int
    lines: list[tuple[int, int, int, int, int, int, int]]
    carrier_id: int
    ship_incl: int
    ship_excl: int
    gift_message: str | None  # None: no gift wrapping
    wrap_incl: int
    wrap_excl: int
    disc_incl: int
    disc_excl: int
    products_incl: int
    products_excl: int
    paid_incl: int
    paid_excl: int
    payment: Payment
    cart: int
    reference: str
    plan: list[tuple[int, int, int]]
    voucher: int = 0  # the cart rule behind the discount (reference_data.CART_RULES), 0: none


def draw_order(
    rng: random.Random, at: int, buyer: Buyer, catalog: Catalog, counters: Counters
) -> Draft:
    """Every random draw of one placed order, with its money worked out and its planned
    lifecycle as (state, at, id_employee), the first state at ``at``."""
    country = buyer.country
    currency = country.currency if country.currency != 1 and rng.random() < 0.6 else 1
    rate = conversion_rate(currency, at)
    taxed = country.eu
    random_ = rng.random

    n_lines = LINE_COUNTS[bisect_left(CUM_LINES, random_() * CUM_LINES[-1])]
    chosen: list[int] = []
    for _ in range(n_lines):
        idx = catalog.pick(rng, at)
        if idx not in chosen:
            chosen.append(idx)

    lines = []
    products_excl = products_incl = 0
    big = buyer.big_spender
    tax_group, excl_micro, wholesale_micro = (
        catalog.tax_group,
        catalog.excl_micro,
        catalog.wholesale_micro,
    )
    for idx in chosen:
        qty = QTY_COUNTS[bisect_left(CUM_QTY, random_() * CUM_QTY[-1])]
        if big:
            qty *= rng.choice((1, 2, 3, 5))
        excl = round(excl_micro[idx] * rate)
        if taxed:
            incl = math.floor(excl * (1 + TAX_RATES[tax_group[idx]]) / 10_000 + 0.5) * 10_000
        else:
            incl = excl
        line_excl = math.floor(excl * qty / 10_000 + 0.5)
        line_incl = math.floor(incl * qty / 10_000 + 0.5)
        products_excl += line_excl
        products_incl += line_incl
        wholesale = round(wholesale_micro[idx] * rate)
        lines.append((idx, qty, excl, incl, line_excl, line_incl, wholesale))

    # Shipping: the carrier's price for the destination, free above a threshold.
    zone = 0 if country.iso == "FR" else (1 if country.eu else 2)
    carrier = _pick_carrier(rng, zone)
    ship_incl = round(carrier.prices[zone] * rate)
    if carrier.free_above is not None and products_incl >= carrier.free_above * rate:
        ship_incl = 0
    ship_excl = round_half_up(ship_incl / 1.2) if taxed else ship_incl

    gift = random_() < 0.03
    wrap_incl = round(250 * rate) if gift else 0
    wrap_excl = round_half_up(wrap_incl / 1.2) if taxed else wrap_incl

    disc_incl = disc_excl = voucher = 0
    if random_() < 0.12:
        kind = random_()
        if kind < 0.5:
            pct = rng.choice((10, 15, 20))
            disc_incl = round_half_up(products_incl * pct / 100)
            disc_excl = round_half_up(products_excl * pct / 100)
            voucher = VOUCHER_FOR_PERCENT[pct]
        elif kind < 0.8 and products_incl >= 5000 * rate:
            disc_incl = round(1000 * rate)
            disc_excl = round_half_up(disc_incl * products_excl / products_incl)
            voucher = VOUCHER_AMOUNT
        elif ship_incl:
            disc_incl, disc_excl = ship_incl, ship_excl
            voucher = VOUCHER_SHIPPING

    paid_excl = products_excl - disc_excl + ship_excl + wrap_excl
    paid_incl = products_incl - disc_incl + ship_incl + wrap_incl
    payment = PAYMENTS[bisect_left(CUM_PAYMENTS, random_() * CUM_PAYMENTS[-1])]
    counters.cart += 1 + int(rng.expovariate(0.7))
    lang_index = 1 if buyer.lang == "2" else 0
    gift_message = rng.choice(GIFT_MESSAGES[lang_index]) if gift else None
    # rng.choices(UPPER, k=9) without weights, inlined: the same draws, a third of the time.
    reference = "".join([UPPER[int(random_() * 26)] for _ in range(9)])
    return Draft(
        currency, rate, taxed, lang_index, lines, carrier.id, ship_incl, ship_excl,
        gift_message, wrap_incl, wrap_excl, disc_incl, disc_excl, products_incl,
        products_excl, paid_incl, paid_excl, payment, counters.cart, reference,
        plan_lifecycle(rng, payment.first_state, at), voucher,
    )  # fmt: skip


def build_order(
    rng: random.Random,
    order_id: int,
    at: int,
    buyer: Buyer,
    catalog: Catalog,
    first_detail_id: int,
    counters: Counters,
) -> tuple[dict, list[dict], list[tuple[int, int, int]], Draft]:
    """One placed order: the order record, its order_details, its planned lifecycle as
    (state, at, id_employee), the first state at ``at``, and the draft it was built from."""
    draft = draw_order(rng, at, buyer, catalog, counters)
    order, details = order_records(draft, order_id, at, buyer, catalog, first_detail_id)
    return order, details, draft.plan, draft


def order_records(
    d: Draft, order_id: int, at: int, buyer: Buyer, catalog: Catalog, first_detail_id: int
) -> tuple[dict, list[dict]]:
    """The order and order_details records of a draft, before any state change.
    ``render_order`` writes the same records straight to JSON; keep the two in step."""
    details, rows = [], []
    for n, (idx, qty, excl, incl, line_excl, line_incl, wholesale_micro) in enumerate(d.lines):
        detail_id = first_detail_id + n
        name = catalog.names[idx][d.lang_index]
        wholesale = micro(wholesale_micro)
        details.append(
            {
                "id": detail_id,
                "id_order": str(order_id),
                "product_id": str(catalog.ids[idx]),
                "product_attribute_id": "0",
                "product_quantity_reinjected": "0",
                "group_reduction": "0.00",
                "discount_quantity_applied": "0",
                "download_hash": "",
                "download_deadline": clock.ZERO_DATETIME,
                "id_order_invoice": "0",
                "id_warehouse": "0",
                "id_shop": "1",
                "id_customization": "0",
                "product_name": name,
                "product_quantity": str(qty),
                "product_quantity_in_stock": str(qty),
                "product_quantity_return": "0",
                "product_quantity_refunded": "0",
                "product_price": micro(excl),
                "reduction_percent": "0.00",
                "reduction_amount": "0.000000",
                "reduction_amount_tax_incl": "0.000000",
                "reduction_amount_tax_excl": "0.000000",
                "product_quantity_discount": "0.000000",
                "product_ean13": catalog.ean13[idx],
                "product_isbn": "",
                "product_upc": "",
                "product_mpn": "",
                "product_reference": catalog.references[idx],
                "product_supplier_reference": "",
                "product_weight": catalog.weight[idx],
                "tax_computation_method": "0",
                "id_tax_rules_group": str(catalog.tax_group[idx]),
                "ecotax": "0.000000",
                "ecotax_tax_rate": "0.000",
                "download_nb": "0",
                "unit_price_tax_incl": micro(incl),
                "unit_price_tax_excl": micro(excl),
                "total_price_tax_incl": money(line_incl),
                "total_price_tax_excl": money(line_excl),
                "total_shipping_price_tax_excl": "0.000000",
                "total_shipping_price_tax_incl": "0.000000",
                "purchase_supplier_price": wholesale,
                "original_product_price": micro(excl),
                "original_wholesale_price": wholesale,
                "total_refunded_tax_excl": "0.000000",
                "total_refunded_tax_incl": "0.000000",
            }
        )
        if d.taxed:
            details[-1]["associations"] = {"taxes": [{"id": TAX_IDS[catalog.tax_group[idx]]}]}
        rows.append(
            {
                "id": str(detail_id),
                "product_id": str(catalog.ids[idx]),
                "product_attribute_id": "0",
                "product_quantity": str(qty),
                "product_name": name,
                "product_reference": catalog.references[idx],
                "product_ean13": catalog.ean13[idx],
                "product_isbn": "",
                "product_upc": "",
                "product_price": micro(excl),
                "id_customization": "0",
                "unit_price_tax_incl": micro(incl),
                "unit_price_tax_excl": micro(excl),
            }
        )

    date = clock.fmt(at)
    gift = d.gift_message is not None
    order = {
        "id": order_id,
        "id_address_delivery": str(buyer.address_delivery),
        "id_address_invoice": str(buyer.address_invoice),
        "id_cart": str(d.cart),
        "id_currency": str(d.currency),
        "id_lang": buyer.lang,
        "id_customer": str(buyer.id),
        "id_carrier": str(d.carrier_id),
        "current_state": "0",
        "module": d.payment.module,
        "invoice_number": "0",
        "invoice_date": clock.ZERO_DATETIME,
        "delivery_number": "0",
        "delivery_date": clock.ZERO_DATETIME,
        "valid": "0",
        "date_add": date,
        "date_upd": date,
        "shipping_number": "",
        "note": "",
        "id_shop_group": "1",
        "id_shop": "1",
        "secure_key": buyer.secure_key,
        "payment": d.payment.label,
        "recyclable": "0",
        "gift": "1" if gift else "0",
        "gift_message": d.gift_message if gift else "",
        "mobile_theme": "0",
        "total_discounts": money(d.disc_incl),
        "total_discounts_tax_incl": money(d.disc_incl),
        "total_discounts_tax_excl": money(d.disc_excl),
        "total_paid": money(d.paid_incl),
        "total_paid_tax_incl": money(d.paid_incl),
        "total_paid_tax_excl": money(d.paid_excl),
        "total_paid_real": "0.000000",
        "total_products": money(d.products_excl),
        "total_products_wt": money(d.products_incl),
        "total_shipping": money(d.ship_incl),
        "total_shipping_tax_incl": money(d.ship_incl),
        "total_shipping_tax_excl": money(d.ship_excl),
        "carrier_tax_rate": "20.000" if d.taxed and d.ship_incl else "0.000",
        "total_wrapping": money(d.wrap_incl),
        "total_wrapping_tax_incl": money(d.wrap_incl),
        "total_wrapping_tax_excl": money(d.wrap_excl),
        "round_mode": "2",
        "round_type": "2",
        "conversion_rate": f"{d.rate:.6f}",
        "reference": d.reference,
        "associations": {"order_rows": rows},
    }
    return order, details


GIFT_MESSAGES = (
    ("Happy birthday!", "Merry Christmas!", "With love", "Congratulations!"),
    ("Joyeux anniversaire !", "Joyeux Noël !", "Avec tout mon amour", "Félicitations !"),
)


def _pick_carrier(rng: random.Random, zone: int):
    carriers = CARRIERS if zone == 0 else CARRIERS[1:]  # click and collect is in France only
    total = sum(c.share for c in carriers)
    u = rng.random() * total
    for c in carriers:
        u -= c.share
        if u <= 0:
            return c
    return carriers[-1]


def _after(rng: random.Random, at: int, lo_hours: float, hi_hours: float) -> int:
    return at + max(1, int(rng.uniform(lo_hours, hi_hours) * clock.HOUR))


def plan_lifecycle(rng: random.Random, first_state: int, at: int) -> list[tuple[int, int, int]]:
    """The order's whole future: awaiting payment -> accepted -> processing -> shipped ->
    delivered, with cancellations, payment errors, backorders and refunds at realistic rates.
    States set by hand carry employee 1, those set by modules or carriers employee 0."""
    plan = [(first_state, at, 0)]
    paid_at = None
    if first_state in (2, 11):
        if first_state == 2 and rng.random() < 0.025:
            plan[0] = (8, at, 0)
            if rng.random() < 0.6:
                plan.append((6, _after(rng, at, 20, 72), 1))
            return plan
        paid_at = at
    else:  # awaiting a bank wire, a check or a cash-on-delivery validation
        if rng.random() < (0.05 if first_state == 13 else 0.12):
            plan.append((6, _after(rng, at, 24 * 7, 24 * 20), 1))
            return plan
        paid_at = _after(rng, at, 6, 24 * (2 if first_state == 13 else 5))
        plan.append((2, paid_at, 1))
    t = paid_at
    if rng.random() < 0.015:
        plan.append((6, _after(rng, t, 2, 48), 1))
        return plan
    if rng.random() < 0.01:
        t = _after(rng, t, 0.2, 2)
        plan.append((9, t, 1))
        t = _after(rng, t, 24 * 3, 24 * 10)
    else:
        t = _after(rng, t, 2, 30)
    plan.append((3, t, 1))
    t = _after(rng, t, 10, 72)
    plan.append((4, t, 1))
    t = _after(rng, t, 20, 24 * 6)
    plan.append((5, t, 0))
    if rng.random() < 0.03:
        plan.append((7, _after(rng, t, 24 * 3, 24 * 30), 1))
    return plan


_STATE_TEXT = {sid: (str(sid), str(s.logable)) for sid, s in STATE.items()}


def apply_state(
    order: dict, state_id: int, at: int, counters: Counters, date: str | None = None
) -> None:
    """``OrderHistory::changeIdOrderState`` + ``add``: what a state change does to the order.
    ``date`` is ``clock.fmt(at)`` when the caller already has it."""
    state = STATE[state_id]
    if date is None:
        date = clock.fmt(at)
    order["current_state"], order["valid"] = _STATE_TEXT[state_id]
    order["date_upd"] = date
    if state.invoice and order["invoice_number"] == "0":
        counters.invoice += 1
        order["invoice_number"] = str(counters.invoice)
        order["invoice_date"] = date
    if state.delivery:
        # Order::setDelivery runs on every delivery state, so the date moves each time.
        if order["delivery_number"] == "0":
            counters.delivery += 1
            order["delivery_number"] = str(counters.delivery)
        order["delivery_date"] = date
    if state.paid and order["total_paid_real"] == "0.000000":
        order["total_paid_real"] = order["total_paid_tax_incl"]
    if state.shipped and not order["shipping_number"]:
        order["shipping_number"] = f"6A{order['id'] * 7919 % 10**11:011d}"


def refund_details(details: list[dict]) -> None:
    """A full refund (credit slip for every line) as order_details record it."""
    for d in details:
        d["product_quantity_refunded"] = d["product_quantity"]
        d["product_quantity_reinjected"] = d["product_quantity"]
        d["total_refunded_tax_excl"] = d["total_price_tax_excl"]
        d["total_refunded_tax_incl"] = d["total_price_tax_incl"]


def history_json(history_id: int, employee: int, state: int, order_id: int, at: int | str) -> str:
    """An order_histories record; ``at`` in seconds or already formatted."""
    date = at if isinstance(at, str) else clock.fmt(at)
    return (
        f'{{"id":{history_id},"id_employee":"{employee}","id_order_state":"{state}",'
        f'"id_order":"{order_id}","date_add":"{date}"}}'
    )


def country_of(address: dict) -> Country:
    return COUNTRY[int(address["id_country"])]


# --- straight-to-JSON rendering, for the generator's bulk load ----------------------------------
#
# ``render_order`` writes exactly ``php_json`` of the records ``order_records`` builds, after the
# state changes ``apply_state`` made and, if refunded, ``refund_details``: same keys, same order,
# same escaping (tested). Formatting strings directly is several times faster than building
# dicts and running ``json.dumps`` on them.


def initial_state(order_id: int, date: str, paid_incl: int) -> dict:
    """The order fields ``apply_state`` reads and writes, as a new order has them."""
    return {
        "id": order_id,
        "current_state": "0",
        "valid": "0",
        "date_upd": date,
        "invoice_number": "0",
        "invoice_date": clock.ZERO_DATETIME,
        "delivery_number": "0",
        "delivery_date": clock.ZERO_DATETIME,
        "total_paid_real": "0.000000",
        "total_paid_tax_incl": money(paid_incl),
        "shipping_number": "",
    }


def _js(text: str) -> str:
    """A JSON string literal, quotes included, as ``php_json`` writes it."""
    return php_json(text)


_PAYMENT_JSON = {
    p: f'"module":{_js(p.module)},' for p in PAYMENTS
}  # the label comes later in the record
_PAYMENT_LABEL_JSON = {p: _js(p.label) for p in PAYMENTS}
_GIFT_JSON = {m: _js(m) for ms in GIFT_MESSAGES for m in ms}
_ZERO_DT = clock.ZERO_DATETIME


class _Fragments:
    """Per product, the constant pieces of its order_details and order_rows JSON."""

    __slots__ = ("detail_mid", "detail_tail", "ids", "names", "row_mid")

    def __init__(self, catalog: Catalog):
        self.ids = [str(i) for i in catalog.ids]
        self.names = [(_js(en), _js(fr)) for en, fr in catalog.names]
        self.detail_mid, self.detail_tail, self.row_mid = [], [], []
        for idx in range(len(catalog.ids)):
            ean, ref = _js(catalog.ean13[idx]), _js(catalog.references[idx])
            tax = catalog.tax_group[idx]
            self.detail_mid.append(
                f',"product_ean13":{ean},"product_isbn":"","product_upc":"","product_mpn":"",'
                f'"product_reference":{ref},"product_supplier_reference":"",'
                f'"product_weight":{_js(catalog.weight[idx])},"tax_computation_method":"0",'
                f'"id_tax_rules_group":{_js(str(tax))},"ecotax":"0.000000",'
                f'"ecotax_tax_rate":"0.000","download_nb":"0","unit_price_tax_incl":"'
            )
            self.detail_tail.append(
                (f',"associations":{{"taxes":[{{"id":{_js(TAX_IDS[tax])}}}]}}}}', "}")
            )
            self.row_mid.append(
                f',"product_reference":{ref},"product_ean13":{ean},"product_isbn":"",'
                f'"product_upc":"","product_price":"'
            )


def render_order(
    d: Draft,
    order_id: int,
    date: str,
    buyer: Buyer,
    catalog: Catalog,
    first_detail_id: int,
    state: dict,
    refunded: bool,
) -> tuple[str, list[tuple[int, int, int, str]]]:
    """The order's JSON and its order_details table rows (id, id_order, product_id, JSON):
    ``order_records`` with ``state`` (see ``initial_state``) applied, rendered."""
    frag = catalog.fragments()
    ids, names, detail_mid, detail_tail, row_mid = (
        frag.ids,
        frag.names,
        frag.detail_mid,
        frag.detail_tail,
        frag.row_mid,
    )
    catalog_ids = catalog.ids
    lang = d.lang_index
    tail_index = 0 if d.taxed else 1
    detail_rows = []
    row_json = []
    detail_id = first_detail_id
    for idx, qty, excl, incl, line_excl, line_incl, wholesale in d.lines:
        pid = ids[idx]
        name = names[idx][lang]
        excl_s = f"{excl / 1_000_000:.6f}"
        incl_s = f"{incl / 1_000_000:.6f}"
        wholesale_s = f"{wholesale / 1_000_000:.6f}"
        li = f"{line_incl / 100:.6f}"
        le = f"{line_excl / 100:.6f}"
        if refunded:
            reinjected = refunded_qty = str(qty)
            refunded_excl, refunded_incl = le, li
        else:
            reinjected = refunded_qty = "0"
            refunded_excl = refunded_incl = "0.000000"
        detail_rows.append(
            (
                detail_id,
                order_id,
                catalog_ids[idx],
                f'{{"id":{detail_id},"id_order":"{order_id}","product_id":"{pid}",'
                f'"product_attribute_id":"0","product_quantity_reinjected":"{reinjected}",'
                f'"group_reduction":"0.00","discount_quantity_applied":"0","download_hash":"",'
                f'"download_deadline":"{_ZERO_DT}","id_order_invoice":"0","id_warehouse":"0",'
                f'"id_shop":"1","id_customization":"0","product_name":{name},'
                f'"product_quantity":"{qty}","product_quantity_in_stock":"{qty}",'
                f'"product_quantity_return":"0","product_quantity_refunded":"{refunded_qty}",'
                f'"product_price":"{excl_s}","reduction_percent":"0.00",'
                f'"reduction_amount":"0.000000","reduction_amount_tax_incl":"0.000000",'
                f'"reduction_amount_tax_excl":"0.000000",'
                f'"product_quantity_discount":"0.000000"{detail_mid[idx]}{incl_s}",'
                f'"unit_price_tax_excl":"{excl_s}","total_price_tax_incl":"{li}",'
                f'"total_price_tax_excl":"{le}","total_shipping_price_tax_excl":"0.000000",'
                f'"total_shipping_price_tax_incl":"0.000000",'
                f'"purchase_supplier_price":"{wholesale_s}","original_product_price":"{excl_s}",'
                f'"original_wholesale_price":"{wholesale_s}",'
                f'"total_refunded_tax_excl":"{refunded_excl}",'
                f'"total_refunded_tax_incl":"{refunded_incl}"{detail_tail[idx][tail_index]}',
            )
        )
        row_json.append(
            f'{{"id":"{detail_id}","product_id":"{pid}","product_attribute_id":"0",'
            f'"product_quantity":"{qty}","product_name":{name}{row_mid[idx]}{excl_s}",'
            f'"id_customization":"0","unit_price_tax_incl":"{incl_s}",'
            f'"unit_price_tax_excl":"{excl_s}"}}'
        )
        detail_id += 1

    address = buyer.address_delivery
    address_invoice = buyer.address_invoice
    secure_key = buyer.secure_key
    if not secure_key.isalnum():
        secure_key = _js(secure_key)[1:-1]
    payment = d.payment
    gift = d.gift_message
    gift_json = '""' if gift is None else _GIFT_JSON[gift]
    disc_incl = f"{d.disc_incl / 100:.6f}"
    ship_incl = f"{d.ship_incl / 100:.6f}"
    wrap_incl = f"{d.wrap_incl / 100:.6f}"
    paid_incl = state["total_paid_tax_incl"]
    order_json = (
        f'{{"id":{order_id},"id_address_delivery":"{address}",'
        f'"id_address_invoice":"{address_invoice}","id_cart":"{d.cart}",'
        f'"id_currency":"{d.currency}","id_lang":"{buyer.lang}",'
        f'"id_customer":"{buyer.id}","id_carrier":"{d.carrier_id}",'
        f'"current_state":"{state["current_state"]}",{_PAYMENT_JSON[payment]}'
        f'"invoice_number":"{state["invoice_number"]}","invoice_date":"{state["invoice_date"]}",'
        f'"delivery_number":"{state["delivery_number"]}",'
        f'"delivery_date":"{state["delivery_date"]}","valid":"{state["valid"]}",'
        f'"date_add":"{date}","date_upd":"{state["date_upd"]}",'
        f'"shipping_number":"{state["shipping_number"]}","note":"","id_shop_group":"1",'
        f'"id_shop":"1","secure_key":"{secure_key}","payment":{_PAYMENT_LABEL_JSON[payment]},'
        f'"recyclable":"0","gift":"{"0" if gift is None else "1"}",'
        f'"gift_message":{gift_json},"mobile_theme":"0",'
        f'"total_discounts":"{disc_incl}","total_discounts_tax_incl":"{disc_incl}",'
        f'"total_discounts_tax_excl":"{d.disc_excl / 100:.6f}",'
        f'"total_paid":"{paid_incl}","total_paid_tax_incl":"{paid_incl}",'
        f'"total_paid_tax_excl":"{d.paid_excl / 100:.6f}",'
        f'"total_paid_real":"{state["total_paid_real"]}",'
        f'"total_products":"{d.products_excl / 100:.6f}",'
        f'"total_products_wt":"{d.products_incl / 100:.6f}",'
        f'"total_shipping":"{ship_incl}","total_shipping_tax_incl":"{ship_incl}",'
        f'"total_shipping_tax_excl":"{d.ship_excl / 100:.6f}",'
        f'"carrier_tax_rate":"{"20.000" if d.taxed and d.ship_incl else "0.000"}",'
        f'"total_wrapping":"{wrap_incl}","total_wrapping_tax_incl":"{wrap_incl}",'
        f'"total_wrapping_tax_excl":"{d.wrap_excl / 100:.6f}","round_mode":"2",'
        f'"round_type":"2","conversion_rate":"{d.rate:.6f}","reference":"{d.reference}",'
        f'"associations":{{"order_rows":[{",".join(row_json)}]}}}}'
    )
    return order_json, detail_rows
