"""The few numbers `phc-analytics run` prints: last 30 days of sales, from the marts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

WINDOW_DAYS = 30


@dataclass
class KpiSummary:
    days: int
    net_revenue: Decimal
    orders: int
    average_order_value: Decimal | None
    top_products: list[tuple[int, str, Decimal]] = field(default_factory=list)


def kpi_summary(conn: psycopg.Connection, days: int = WINDOW_DAYS) -> KpiSummary | None:
    """Revenue (PrestaShop's definition: valid orders, tax excluded, in the reporting currency),
    orders and AOV over the last ``days`` days, every shop's summed, and the top 5 products by
    net revenue. A product is one shop's (ids repeat across shops): with several shops in the
    warehouse, its name says which."""
    exists = conn.execute("SELECT to_regclass('analytics.agg_sales_daily')").fetchone()[0]
    if exists is None:
        return None
    revenue, orders = conn.execute(
        """
        SELECT coalesce(sum(net_revenue), 0), coalesce(sum(orders), 0)::bigint
        FROM analytics.agg_sales_daily
        WHERE date_day > current_date - %(days)s::int AND date_day <= current_date
        """,
        {"days": days},
    ).fetchone()
    rows = conn.execute(
        """
        SELECT l.product_id, l.shop, coalesce(p.product_name, l.product_name) AS name,
               sum(l.net_line_revenue) AS revenue
        FROM analytics.fct_order_lines l
        LEFT JOIN analytics.dim_product p USING (product_id, shop)
        WHERE l.is_valid AND l.order_date > current_date - %(days)s::int
        GROUP BY 1, 2, 3
        ORDER BY revenue DESC, l.product_id, l.shop
        LIMIT 5
        """,
        {"days": days},
    ).fetchall()
    (several_shops,) = conn.execute(
        "SELECT count(DISTINCT shop) > 1 FROM analytics.dim_sales_channel"
    ).fetchone()
    top = [
        (product_id, f"{name} ({shop})" if several_shops and name else name, revenue)
        for product_id, shop, name, revenue in rows
    ]
    aov = (revenue / orders).quantize(Decimal("0.01")) if orders else None
    return KpiSummary(days, Decimal(revenue).quantize(Decimal("0.01")), orders, aov, top)
