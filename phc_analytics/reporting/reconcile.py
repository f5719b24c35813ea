"""`phc-analytics reconcile`: each shop's own figures against the marts, one shop at a time
(the marts keep installations apart by their `shop` column; every query here reads one shop's
rows).

The shop side is recomputed from the Webservice alone, as PrestaShop's back office defines it:
an order counts as revenue when its current state is logable, for
``(total_paid_tax_excl - total_shipping_tax_excl) / conversion_rate``, in the month of its
creation; a credit slip refunds ``total_products_tax_excl / conversion_rate`` in the month of
its own date. Nothing from the warehouse is used, so a drift anywhere in raw, staging or the marts
shows up as a difference.

In a multistore installation whose orders span several stores, revenue is compared per month
and store, in each store's own currency (what ``/ conversion_rate`` gives), so no exchange rate
is involved: the marts' own net_revenue where a store sells in the reporting currency. Refunds
are compared in the reporting currency; a slip of a store with another currency is converted
at the shop's current rates (the marts use the rate of its day, so a rate that moved since
shows up as a difference).

An installation whose shops-file entry chooses stores (``stores: [1, 3]``) is compared on those
stores: their orders, the slips of those orders, their carts, and the customers of those stores
plus every customer with an order there (what the marts keep, sql/dbt/macros/store_selection.sql).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import psycopg

from phc_analytics import settings
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME

CENT = Decimal("0.01")
ORDER_FIELDS = [
    "id_shop",
    "id_customer",
    "current_state",
    "date_add",
    "total_paid_tax_excl",
    "total_shipping_tax_excl",
    "conversion_rate",
]


@dataclass(frozen=True)
class Figures:
    orders_by_month: dict[str, int]
    revenue_by_month: dict[str, Decimal]
    orders_by_state: dict[int, int]
    customers: int
    # Per resource, the ids that exist (in the shop) or are live, not removed (in the marts):
    # a difference is a delete one side has not seen.
    live_ids: dict[str, frozenset[int]] = field(default_factory=dict)
    # Refunded products (credit slips), tax excluded, in the reporting currency, by the slip's
    # month; None when the shop cannot convert them itself (it lacks the reporting currency:
    # the marts convert through another installation's rates, which this shop does not serve).
    refunds_by_month: dict[str, Decimal] | None = field(default_factory=dict)
    # Carts holding a product, by the month they were created, that the shop still has.
    carts_by_month: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Difference:
    metric: str
    key: str
    shop: object
    warehouse: object


MARTS = (
    "analytics.fct_orders",
    "analytics.dim_customer",
    "analytics.dim_product",
    "analytics.agg_refunds_daily",
    "analytics.agg_carts_daily",
)
SLIP_FIELDS = ["id_order", "date_add", "total_products_tax_excl", "conversion_rate"]
# Resources whose deletes the marts show, and where: (mart, key column).
DELETABLE = {
    "customers": ("analytics.dim_customer", "customer_id"),
    "products": ("analytics.dim_product", "product_id"),
}
EXAMPLES = 5


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def order_revenue(order: dict) -> Decimal:
    rate = _decimal(order.get("conversion_rate"))
    net = _decimal(order.get("total_paid_tax_excl")) - _decimal(
        order.get("total_shipping_tax_excl")
    )
    return net / (rate if rate > 0 else Decimal(1))


def by_store(values: dict[tuple[str, int], Decimal]) -> dict[str, Decimal]:
    """Revenue keyed by month, or by month and store when more than one store has orders."""
    several = len({store for _month, store in values}) > 1
    out: dict[str, Decimal] = defaultdict(Decimal)
    for (month, store), value in values.items():
        out[f"{month} store {store}" if several else month] += value
    return {k: v.quantize(CENT) for k, v in out.items() if v}


def reporting_currency_of(conn: psycopg.Connection, shop: str) -> str | None:
    """The currency the marts hold ``shop``'s money in (their reporting currency)."""
    row = conn.execute(
        "SELECT currency FROM analytics.fct_orders WHERE shop = %s AND currency IS NOT NULL"
        " LIMIT 1",
        (shop,),
    ).fetchone()
    return row[0] if row else None


def shop_figures(
    client: PrestaShopClient,
    reporting: str | None = None,
    stores: tuple[int, ...] | None = None,
) -> Figures:
    """The shop's own figures; refunds in ``reporting`` (an ISO code: what the marts hold;
    PHC_REPORTING_CURRENCY, else the shop's default currency, when None); of ``stores`` only
    (ids, ``id_shop``) when given."""
    chosen = None if stores is None else frozenset(stores)

    def reported(record: dict) -> bool:
        # As staging: a record without a store (missing, 0) is reported.
        store = int(_decimal(record.get("id_shop")))
        return chosen is None or not store or store in chosen

    logable = {
        int(r["id"])
        for page in client.iter_pages(BY_NAME["order_states"], fields=["logable"])
        for r in page.records
        if str(r.get("logable")) == "1"
    }
    orders_by_month: dict[str, int] = defaultdict(int)
    revenue: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    by_state: dict[int, int] = defaultdict(int)
    order_store: dict[int, int] = {}
    buyers: set[int] = set()
    for page in client.iter_pages(BY_NAME["orders"], fields=ORDER_FIELDS):
        for order in page.records:
            month = str(order.get("date_add", ""))[:7]
            state = int(_decimal(order.get("current_state")))
            store = int(_decimal(order.get("id_shop")))
            if not reported(order):
                continue
            order_store[int(order["id"])] = store
            buyers.add(int(_decimal(order.get("id_customer"))))
            orders_by_month[month] += 1
            by_state[state] += 1
            if state in logable:
                revenue[(month, store)] += order_revenue(order)
    live_ids = {name: frozenset(_shop_ids(client, name)) for name in DELETABLE}
    if chosen is not None:
        kept = buyers | {
            int(c["id"])
            for page in client.iter_pages(BY_NAME["customers"], fields=["id_shop"])
            for c in page.records
            if reported(c)
        }
        live_ids["customers"] = live_ids["customers"] & kept
    to_reporting = _store_to_reporting(client, set(order_store.values()), reporting)
    refunds: dict[str, Decimal] = defaultdict(Decimal)
    for page in client.iter_pages(BY_NAME["order_slip"], fields=SLIP_FIELDS):
        for slip in page.records:
            rate = _decimal(slip.get("conversion_rate"))
            amount = _decimal(slip.get("total_products_tax_excl"))
            store = order_store.get(int(_decimal(slip.get("id_order"))))
            if chosen is not None and store is None:
                continue  # an order of another store
            factor = (to_reporting or {}).get(store, Decimal(1))
            refunds[str(slip.get("date_add", ""))[:7]] += (
                amount / (rate if rate > 0 else 1) * factor
            )
    carts: dict[str, int] = defaultdict(int)
    for page in client.iter_pages(BY_NAME["carts"]):
        for cart in page.records:
            if not reported(cart):
                continue
            if cart.get("associations", {}).get("cart_rows"):
                carts[str(cart.get("date_add", ""))[:7]] += 1
    return Figures(
        dict(orders_by_month),
        by_store(revenue),
        dict(by_state),
        len(live_ids["customers"]),
        live_ids,
        {m: v.quantize(CENT) for m, v in refunds.items()} if to_reporting is not None else None,
        dict(carts),
    )


def _store_to_reporting(
    client: PrestaShopClient, stores: set[int], reporting_code: str | None = None
) -> dict[int, Decimal] | None:
    """Per store whose currency is not the reporting currency, the factor to it at the shop's
    current rates (empty when every store sells in it; None when the shop has no currency of
    that code)."""
    shops = {
        int(s["id"]): int(_decimal(s.get("id_shop_group")))
        for s in client.get("shops", {"display": "[id,id_shop_group]"})
    }
    configs = client.get(
        "configurations",
        {
            "display": "[id,name,value,id_shop,id_shop_group]",
            "filter[name]": "[PS_CURRENCY_DEFAULT]",
        },
    )
    currencies = client.get("currencies", {"display": "[id,iso_code,conversion_rate]"})
    rates = {int(c["id"]): _decimal(c.get("conversion_rate")) for c in currencies}
    codes = {str(c.get("iso_code", "")).upper(): int(c["id"]) for c in currencies}
    default = store_currency(configs, None, None)
    chosen = reporting_code or settings.reporting_currency()
    if chosen and chosen not in codes:
        return None
    reporting = codes[chosen] if chosen else default
    factors = {}
    for store in stores:
        own = store_currency(configs, store, shops.get(store)) or default
        if own != reporting and rates.get(own):
            factors[store] = rates.get(reporting, Decimal(1)) / rates[own]
    return factors


def store_currency(configs: list[dict], store: int | None, group: int | None) -> int | None:
    """A store's PS_CURRENCY_DEFAULT: its own row, else its group's, else the global one
    (``Configuration::get``); the global one for ``store`` None."""

    def ids(row: dict) -> tuple[int, int]:
        return int(_decimal(row.get("id_shop") or 0)), int(_decimal(row.get("id_shop_group") or 0))

    def rank(row: dict) -> int | None:
        shop_id, group_id = ids(row)
        if store is not None and shop_id == store:
            return 0
        if shop_id == 0 and group is not None and group_id == group:
            return 1
        if shop_id == 0 and group_id == 0:
            return 2
        return None

    ranked = sorted(
        (rank(r), int(r["id"]), r)
        for r in configs
        if r.get("name") == "PS_CURRENCY_DEFAULT" and rank(r) is not None
    )
    for _rank, _id, row in ranked:
        value = str(row.get("value") or "")
        if value.isdigit():
            return int(value)
    return None


def _shop_ids(client: PrestaShopClient, name: str) -> list[int]:
    """Every id of the resource, from the bare lists the delete sweep reads."""
    from phc_analytics.ingestion.sweep import list_all_ids

    entity = BY_NAME[name]
    listed, _windows = list_all_ids(client, entity, client.max_id(entity) or 0, concurrency=4)
    return list(listed)


def missing_marts(conn: psycopg.Connection) -> list[str]:
    """The marts ``warehouse_figures`` reads that do not exist (yet)."""
    return [
        name
        for name in MARTS
        if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None
    ]


def warehouse_figures(conn: psycopg.Connection, shop: str) -> Figures:
    """The marts' figures for the installation named ``shop``."""
    # Revenue as the shop side computes it, in each store's own currency: the marts' net_revenue
    # where the store sells in the reporting currency (its reporting_rate is the order's own
    # rate); elsewhere the order's amount over its own rate, before the conversion.
    by_month = conn.execute(
        """
        SELECT to_char(order_created_at, 'YYYY-MM'), coalesce(shop_id, 0), count(*),
               coalesce(sum(CASE WHEN reporting_rate = coalesce(nullif(conversion_rate, 0), 1)
                                 THEN net_revenue
                                 ELSE net_revenue_order_currency
                                      / coalesce(nullif(conversion_rate, 0), 1) END)
                        FILTER (WHERE is_valid), 0)
        FROM analytics.fct_orders WHERE shop = %s GROUP BY 1, 2
        """,
        (shop,),
    ).fetchall()
    orders_by_month: dict[str, int] = defaultdict(int)
    for month, _store, count, _revenue in by_month:
        orders_by_month[month] += count
    by_state = conn.execute(
        "SELECT current_state_id, count(*) FROM analytics.fct_orders WHERE shop = %s GROUP BY 1",
        (shop,),
    ).fetchall()
    live_ids = {
        name: frozenset(
            row[0]
            for row in conn.execute(
                f"SELECT {key} FROM {mart}"
                f" WHERE shop = %s AND {key} > 0 AND NOT coalesce(is_removed, false)",
                (shop,),
            )
        )
        for name, (mart, key) in DELETABLE.items()
    }
    refunds = conn.execute(
        "SELECT to_char(date_day, 'YYYY-MM'), sum(refunded_amount) FROM analytics.agg_refunds_daily"
        " WHERE shop = %s GROUP BY 1 HAVING sum(refunded_amount) <> 0",
        (shop,),
    ).fetchall()
    carts = conn.execute(
        "SELECT to_char(date_day, 'YYYY-MM'), sum(carts - removed_carts)"
        " FROM analytics.agg_carts_daily WHERE shop = %s"
        " GROUP BY 1 HAVING sum(carts - removed_carts) > 0",
        (shop,),
    ).fetchall()
    return Figures(
        dict(orders_by_month),
        by_store({(m, store): Decimal(r) for m, store, _n, r in by_month if r}),
        {int(s): n for s, n in by_state if s is not None},
        len(live_ids["customers"]),
        live_ids,
        {m: Decimal(r).quantize(CENT) for m, r in refunds},
        {m: int(n) for m, n in carts},
    )


def compare(shop: Figures, warehouse: Figures) -> list[Difference]:
    differences: list[Difference] = []

    def diff(metric: str, a: dict, b: dict, close=lambda x, y: x == y) -> None:
        for key in sorted(set(a) | set(b), key=str):
            left, right = a.get(key, 0), b.get(key, 0)
            if not close(left, right):
                differences.append(Difference(metric, str(key), left, right))

    diff("orders", shop.orders_by_month, warehouse.orders_by_month)
    diff(
        "revenue",
        shop.revenue_by_month,
        warehouse.revenue_by_month,
        close=lambda x, y: abs(Decimal(x) - Decimal(y)) <= CENT,
    )
    diff("orders by state", shop.orders_by_state, warehouse.orders_by_state)
    diff("carts", shop.carts_by_month, warehouse.carts_by_month)
    diff(
        "refunds",
        shop.refunds_by_month or {},
        warehouse.refunds_by_month or {},
        close=lambda x, y: abs(Decimal(x) - Decimal(y)) <= CENT,
    )
    if shop.customers != warehouse.customers:
        differences.append(Difference("customers", "all", shop.customers, warehouse.customers))
    for name in sorted(set(shop.live_ids) & set(warehouse.live_ids)):
        gone = warehouse.live_ids[name] - shop.live_ids[name]
        unseen = shop.live_ids[name] - warehouse.live_ids[name]
        if gone:
            differences.append(
                Difference("deleted ids", f"{name} gone from the shop, live in the marts"
                           f" (e.g. {_examples(gone)})", 0, len(gone))
            )  # fmt: skip
        if unseen:
            differences.append(
                Difference("deleted ids", f"{name} in the shop, not live in the marts"
                           f" (e.g. {_examples(unseen)})", len(unseen), 0)
            )  # fmt: skip
    return differences


def _examples(ids: frozenset[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids)[:EXAMPLES])
