"""The KPIs of docs/models.md computed in plain Python from a shop's own orders.

Independent of the SQL on purpose: the tests compare these numbers with the marts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class KpiOrder:
    """The facts of one order that the KPIs need, in the shop's default currency."""

    order_id: int
    customer_id: int
    created: date
    status_group: str
    is_valid: bool
    net_revenue: Decimal
    lines: tuple[tuple[int, Decimal], ...]  # (product id, line value tax excl, any currency)
    quantities: tuple[int, ...] = ()  # per line, aligned with lines (needed for margins only)


def month_of(day: date) -> date:
    return day.replace(day=1)


def revenue_by_month(orders: Iterable[KpiOrder]) -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for o in orders:
        if o.is_valid:
            totals[month_of(o.created)] += o.net_revenue
    return dict(totals)


def orders_by_status(orders: Iterable[KpiOrder]) -> dict[str, int]:
    return dict(Counter(o.status_group for o in orders))


def product_revenue(orders: Iterable[KpiOrder], month: date | None = None) -> dict[int, Decimal]:
    """Net revenue per product: each line gets its value's share of the order's net revenue."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for o in orders:
        if not o.is_valid or (month is not None and month_of(o.created) != month):
            continue
        for (product_id, _), net in zip(o.lines, line_revenues(o), strict=True):
            totals[product_id] += net
    return dict(totals)


def line_revenues(order: KpiOrder) -> list[Decimal]:
    """Each line's share of the order's net revenue, by line value (equal shares if no value)."""
    order_value = sum((value for _, value in order.lines), Decimal(0))
    return [
        order.net_revenue * (value / order_value if order_value else Decimal(1) / len(order.lines))
        for _, value in order.lines
    ]


def product_margin_pct(
    orders: Iterable[KpiOrder], wholesale: dict[int, Decimal]
) -> dict[tuple[int, date], Decimal | None]:
    """margin / revenue of the costed lines per (product, month) of valid orders, None unless that
    revenue is positive; cost = quantity x the product's wholesale price (products without one
    are not costed)."""
    sold: set[tuple[int, date]] = set()
    revenue: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    cost: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for o in orders:
        if not o.is_valid:
            continue
        for (product_id, _), qty, net in zip(o.lines, o.quantities, line_revenues(o), strict=True):
            key = (product_id, month_of(o.created))
            sold.add(key)
            if product_id in wholesale:
                revenue[key] += net
                cost[key] += qty * wholesale[product_id]
    return {
        key: (revenue[key] - cost[key]) / revenue[key] if revenue[key] > 0 else None for key in sold
    }


def top_products(revenue: dict[int, Decimal], n: int) -> list[int]:
    return [pid for pid, _ in sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def new_vs_returning(orders: Iterable[KpiOrder]) -> dict[int, str]:
    """'new' for each customer's first valid order (by creation time, then id), else 'returning'."""
    seen: set[int] = set()
    result = {}
    for o in sorted((o for o in orders if o.is_valid), key=lambda o: (o.created, o.order_id)):
        result[o.order_id] = "returning" if o.customer_id in seen else "new"
        seen.add(o.customer_id)
    return result


def cohort_cell(orders: Iterable[KpiOrder], cohort: date, month_number: int) -> tuple[int, int]:
    """(cohort size, customers of the cohort with a valid order in their month_number-th month)."""
    valid = [o for o in orders if o.is_valid]
    first: dict[int, date] = {}
    for o in valid:
        m = month_of(o.created)
        first[o.customer_id] = min(first.get(o.customer_id, m), m)
    members = {c for c, m in first.items() if m == cohort}
    target_index = cohort.year * 12 + cohort.month - 1 + month_number - 1
    target = date(target_index // 12, target_index % 12 + 1, 1)
    retained = {
        o.customer_id for o in valid if o.customer_id in members and month_of(o.created) == target
    }
    return len(members), len(retained)


def rfm_scores(orders: Iterable[KpiOrder]) -> dict[int, tuple[int, int, int]]:
    """(R, F, M) per customer with a valid order: 1 + floor(5 x rank / (n - 1)), capped at 5,
    where rank = how many customers have a strictly lower value (ties share a score)."""
    last: dict[int, date] = {}
    count: Counter[int] = Counter()
    money: dict[int, Decimal] = defaultdict(Decimal)
    for o in orders:
        if o.is_valid:
            last[o.customer_id] = max(last.get(o.customer_id, o.created), o.created)
            count[o.customer_id] += 1
            money[o.customer_id] += o.net_revenue
    n = len(last)

    def score(values: dict[int, object], customer: int) -> int:
        if n <= 1:
            return 1
        rank = sum(1 for v in values.values() if v < values[customer])
        return min(5, 1 + (5 * rank) // (n - 1))

    return {c: (score(last, c), score(count, c), score(money, c)) for c in last}


def rfm_segment(r: int, f: int, m: int) -> str:
    """docs/models.md's segment rules, checked in this order."""
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r >= 4 and f == 1:
        return "new_customers"
    if r >= 3 and f >= 2:
        return "potential_loyalists"
    if r <= 2 and f <= 2 and m <= 2:
        return "lost"
    if r <= 2:
        return "hibernating"
    return "needs_attention"


def rfm_segment_sizes(orders: Iterable[KpiOrder]) -> dict[str, int]:
    return dict(Counter(rfm_segment(*scores) for scores in rfm_scores(orders).values()))
