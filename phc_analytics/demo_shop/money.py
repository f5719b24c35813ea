"""Payments and credit slips, as PrestaShop 8.2.1 records them (reference: deletes-and-money §4).

- ``order_payments``: one row when an order is first paid (``Order::addOrderPayment`` from
  ``PaymentModule::validateOrder`` or the paid state), for the amount paid, keyed by the order's
  9-letter reference, not its id. Card fields stay empty: the common payment modules do not fill
  them.
- ``order_slip``: a credit slip per refund. A full refund (the Refunded state) credits every line
  and the shipping; a partial refund credits some lines. Neither touches the order's totals or its
  ``date_upd``; ``order_details`` count the refunded quantities and amounts. Each slip line's
  ``id`` is the slip's id (``getWsOrderSlipDetails`` aliases ``id_order_slip AS id``).

Amounts are integer cents here and rendered at PrestaShop's column scale ("12.340000").
"""

from __future__ import annotations

from dataclasses import dataclass

from phc_analytics.demo_shop.orders import money


@dataclass(frozen=True)
class SlipLine:
    order_detail_id: int
    quantity: int
    excl: int  # cents, tax excluded
    incl: int


def payment_record(
    payment_id: int,
    reference: str,
    currency: int,
    amount: int,
    method: str,
    rate: float,
    date: str,
    transaction_id: str = "",
) -> dict:
    return {
        "id": payment_id,
        "order_reference": reference,
        "id_currency": str(currency),
        "amount": money(amount),
        "payment_method": method,
        "conversion_rate": f"{rate:.6f}",
        "transaction_id": transaction_id,
        "card_number": "",
        "card_brand": "",
        "card_expiration": "",
        "card_holder": "",
        "date_add": date,
        "id_employee": "0",
    }


def transaction_id(module: str, payment_id: int) -> str:
    """What the common modules store: an id from the payment provider, none for offline ones."""
    if module in ("ps_checkout", "paypal"):
        return f"{'PAYID' if module == 'paypal' else 'CHK'}-{payment_id * 2654435761 % 10**12:012d}"
    return ""


def slip_record(
    slip_id: int,
    customer_id: int,
    order_id: int,
    rate: float,
    lines: list[SlipLine],
    date: str,
    shipping: tuple[int, int] = (0, 0),
) -> dict:
    """A credit slip for ``lines`` and, when ``shipping`` (excl, incl cents) is not zero, the
    shipping. ``amount`` is the products total, tax included; a slip that refunds shipping is
    type 2, one for products only type 0."""
    excl = sum(line.excl for line in lines)
    incl = sum(line.incl for line in lines)
    ship_excl, ship_incl = shipping
    return {
        "id": slip_id,
        "id_customer": str(customer_id),
        "id_order": str(order_id),
        "conversion_rate": f"{rate:.6f}",
        "total_products_tax_excl": money(excl),
        "total_products_tax_incl": money(incl),
        "total_shipping_tax_excl": money(ship_excl),
        "total_shipping_tax_incl": money(ship_incl),
        "amount": money(incl),
        "shipping_cost": "1" if ship_incl else "0",
        "shipping_cost_amount": money(ship_incl),
        "partial": "0",
        "date_add": date,
        "date_upd": date,
        "order_slip_type": "2" if ship_incl else "0",
        "associations": {
            "order_slip_details": [
                {
                    "id": str(slip_id),
                    "id_order_detail": str(line.order_detail_id),
                    "product_quantity": str(line.quantity),
                    "amount_tax_excl": money(line.excl),
                    "amount_tax_incl": money(line.incl),
                }
                for line in lines
            ]
        },
    }


def cents(text: str) -> int:
    """ "12.340000" -> 1234."""
    return round(float(text) * 100)


def full_refund_lines(details: list[dict]) -> list[SlipLine]:
    """Every line of an order, whole (order_details records)."""
    return [
        SlipLine(
            int(d["id"]),
            int(d["product_quantity"]),
            cents(d["total_price_tax_excl"]),
            cents(d["total_price_tax_incl"]),
        )
        for d in details
    ]


def record_partial_refund(detail: dict, quantity: int) -> SlipLine:
    """Refund ``quantity`` units of one order line: the line's refund counters move, as the
    partial-refund handler moves them; returns the slip line."""
    ordered = int(detail["product_quantity"])
    excl = round(cents(detail["total_price_tax_excl"]) * quantity / ordered)
    incl = round(cents(detail["total_price_tax_incl"]) * quantity / ordered)
    detail["product_quantity_refunded"] = str(int(detail["product_quantity_refunded"]) + quantity)
    detail["total_refunded_tax_excl"] = money(cents(detail["total_refunded_tax_excl"]) + excl)
    detail["total_refunded_tax_incl"] = money(cents(detail["total_refunded_tax_incl"]) + incl)
    return SlipLine(int(detail["id"]), quantity, excl, incl)


REFUNDED = 7  # PS_OS_REFUND


def _next_id(conn, table: str) -> int:
    return (conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1


def record_state_money(
    conn, order: dict, details: list[dict], state_id: int, date: str, paid_before: bool
) -> None:
    """What a state change writes besides the order: the payment when the order is first
    paid, and a credit slip for every line and the shipping when it is refunded."""
    from phc_analytics.demo_shop import store
    from phc_analytics.demo_shop.model import ORDER_PAYMENTS, ORDER_SLIP

    rate = float(order["conversion_rate"])
    if not paid_before and order["total_paid_real"] != "0.000000":
        payment_id = _next_id(conn, "order_payments")
        payment = payment_record(
            payment_id, order["reference"], int(order["id_currency"]),
            cents(order["total_paid_real"]), order["payment"], rate, date,
            transaction_id(order["module"], payment_id),
        )  # fmt: skip
        store.write_records(conn, ORDER_PAYMENTS, [payment])
    if state_id == REFUNDED:
        slip = slip_record(
            _next_id(conn, "order_slip"), int(order["id_customer"]), int(order["id"]), rate,
            full_refund_lines(details), date,
            (cents(order["total_shipping_tax_excl"]), cents(order["total_shipping_tax_incl"])),
        )  # fmt: skip
        store.write_records(conn, ORDER_SLIP, [slip])


def partial_refund(conn, order_id: int, rng, date: str) -> dict | None:
    """A partial refund with a credit slip (the back office's "Partial refund"): one unit of one
    line not yet wholly refunded. The order's totals and ``date_upd`` do not move; the line's
    refund counters do (order_details has no date). Returns the slip, or None when nothing is
    left to refund."""
    import json

    from phc_analytics.demo_shop import store
    from phc_analytics.demo_shop.model import ORDER_DETAILS, ORDER_SLIP, ORDERS

    order = store.load(conn, ORDERS, order_id)
    details = [
        json.loads(r[0])
        for r in conn.execute(
            "SELECT json FROM order_details WHERE id_order = ? ORDER BY id", (order_id,)
        )
    ]
    open_lines = [
        d for d in details if int(d["product_quantity"]) > int(d["product_quantity_refunded"])
    ]
    if order is None or not open_lines:
        return None
    detail = rng.choice(open_lines)
    line = record_partial_refund(detail, 1)
    store.write_records(conn, ORDER_DETAILS, [detail], replace=True)
    slip = slip_record(
        _next_id(conn, "order_slip"), int(order["id_customer"]), order_id,
        float(order["conversion_rate"]), [line], date,
    )  # fmt: skip
    store.write_records(conn, ORDER_SLIP, [slip])
    return slip


def voucher_row(row_id: int, order_id: int, draft) -> dict:
    """The order_cart_rules row of a discounted order (``draft.voucher`` is its cart rule)."""
    from phc_analytics.demo_shop.model import order_cart_rule_record
    from phc_analytics.demo_shop.reference_data import CART_RULE

    rule = CART_RULE[draft.voucher]
    return order_cart_rule_record(
        row_id, order_id, rule.id, rule.fr if draft.lang_index else rule.en,
        money(draft.disc_incl), money(draft.disc_excl), rule.free_shipping,
    )  # fmt: skip


def cart_rules(install: str, uses: dict[int, tuple[int, str]]) -> list[dict]:
    """Every cart rule, its quantity lowered by each use and its date_upd at the last one
    (PaymentModule::validateOrder saves the rule). ``uses``: rule id -> (count, last date)."""
    from phc_analytics.demo_shop.model import cart_rule_record
    from phc_analytics.demo_shop.reference_data import CART_RULE_STOCK, CART_RULES

    records = []
    for rule in CART_RULES:
        count, last = uses.get(rule.id, (0, install))
        records.append(
            cart_rule_record(
                rule.id, rule.code, rule.en, rule.fr, CART_RULE_STOCK - count, install, last,
                percent=rule.percent, amount=money(rule.amount_cents),
                minimum=money(rule.minimum_cents), free_shipping=rule.free_shipping,
            )
        )  # fmt: skip
    return records


def use_voucher(conn, order_id: int, draft, date: str) -> None:
    """A new order's voucher: its order_cart_rules row, and one use off the rule."""
    import json

    from phc_analytics.demo_shop import store
    from phc_analytics.demo_shop.model import CART_RULES, ORDER_CART_RULES

    store.write_records(
        conn, ORDER_CART_RULES, [voucher_row(_next_id(conn, "order_cart_rules"), order_id, draft)]
    )
    row = conn.execute("SELECT json FROM cart_rules WHERE id = ?", (draft.voucher,)).fetchone()
    if row is not None:
        rule = json.loads(row[0])
        rule["quantity"] = str(int(rule["quantity"]) - 1)
        rule["date_upd"] = max(rule["date_upd"], date)
        store.write_records(conn, CART_RULES, [rule], replace=True)
