"""A PrestaShop's orders as KPI inputs, read straight from its Webservice with plain requests.

Independent of the ingestion code and of the SQL on purpose: the end-to-end tests compare the
KPIs computed from these records (``kpis``) with the marts built from the synced warehouse.
The definitions follow docs/models.md:

- valid order: the order's current state is logable (``order_states.logable``; the order's own
  ``valid`` flag only when its state is unknown);
- net revenue: ``(total_paid_tax_excl - total_shipping_tax_excl) / conversion_rate`` (a zero
  rate counts as 1), PrestaShop's ``AdminStatsController::getTotalSales``;
- dated on the order's creation date (``date_add``), shop-local;
- status group from the ``PS_OS_*`` configuration ids, then the state's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import requests

from phc_analytics_tests.transform.kpis import KpiOrder

# Configuration keys naming the states whose flags alone do not identify them.
STATE_KEYS = {
    "cancelled": ("PS_OS_CANCELED",),
    "refunded": ("PS_OS_REFUND",),
    "payment_error": ("PS_OS_ERROR",),
    "delivered": ("PS_OS_DELIVERED",),
    "backorder": ("PS_OS_OUTOFSTOCK", "PS_OS_OUTOFSTOCK_PAID", "PS_OS_OUTOFSTOCK_UNPAID"),
}


@dataclass(frozen=True)
class ShopSnapshot:
    orders: list[KpiOrder]
    # product id -> wholesale price (shop currency), for products that have one (> 0)
    wholesale_prices: dict[int, Decimal]
    # order id -> shipping tax excl in the shop currency
    shipping: dict[int, Decimal]


def fetch(base_url: str, ws_key: str, resource: str) -> list[dict]:
    """Every record of a resource, all fields, in one request."""
    response = requests.get(
        f"{base_url}/api/{resource}",
        params={"display": "full", "output_format": "JSON"},
        auth=(ws_key, ""),
        timeout=300,
    )
    response.raise_for_status()
    body = response.json()
    return [] if body == [] else body[resource]


def status_groups(states: list[dict], configurations: list[dict]) -> dict[int, str]:
    shop_wide: dict[str, int] = {}
    for c in sorted(
        configurations, key=lambda c: (bool(c["id_shop"] or c["id_shop_group"]), c["id"])
    ):
        if c["name"].startswith("PS_OS_") and c["value"]:
            shop_wide.setdefault(c["name"], int(c["value"]))
    groups = {}
    for s in states:
        sid = int(s["id"])
        special = [
            g for g, keys in STATE_KEYS.items() if any(shop_wide.get(k) == sid for k in keys)
        ]
        paid, logable = s["paid"] == "1", s["logable"] == "1"
        if special:
            groups[sid] = special[0]  # STATE_KEYS is in precedence order
        elif s["shipped"] == "1":
            groups[sid] = "shipped"
        elif paid and not logable:
            groups[sid] = "backorder"
        elif paid and s["delivery"] == "1":
            groups[sid] = "processing"
        elif paid:
            groups[sid] = "paid"
        else:
            groups[sid] = "awaiting_payment"
    return groups


def read_shop(base_url: str, ws_key: str) -> ShopSnapshot:
    states = fetch(base_url, ws_key, "order_states")
    groups = status_groups(states, fetch(base_url, ws_key, "configurations"))
    logable = {int(s["id"]): s["logable"] == "1" for s in states}
    orders = []
    shipping = {}
    for o in fetch(base_url, ws_key, "orders"):
        state = int(o["current_state"]) if o["current_state"] else None
        rate = Decimal(o["conversion_rate"]) or Decimal(1)
        paid_excl, shipping_excl = (
            Decimal(o["total_paid_tax_excl"]),
            Decimal(o["total_shipping_tax_excl"]),
        )
        rows = o.get("associations", {}).get("order_rows", [])
        orders.append(
            KpiOrder(
                order_id=int(o["id"]),
                customer_id=int(o["id_customer"]) if o["id_customer"] else -1,
                created=date.fromisoformat(o["date_add"][:10]),
                status_group=groups.get(state, "unknown"),
                is_valid=logable.get(state, o["valid"] == "1"),
                net_revenue=(paid_excl - shipping_excl) / rate,
                lines=tuple(
                    (
                        int(r["product_id"]),
                        Decimal(r["unit_price_tax_excl"]) * int(r["product_quantity"]),
                    )
                    for r in rows
                ),
                quantities=tuple(int(r["product_quantity"]) for r in rows),
            )
        )
        shipping[int(o["id"])] = shipping_excl / rate
    wholesale = {}
    for p in fetch(base_url, ws_key, "products"):
        try:
            price = Decimal(p["wholesale_price"])
        except InvalidOperation:  # unreadable ("n/a"): no purchase price, like 0
            continue
        if price > 0:
            wholesale[int(p["id"])] = price
    return ShopSnapshot(orders, wholesale, shipping)
