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
    """Revenue (PrestaShop's definition: valid orders, tax excluded, in the shop currency),
    orders and AOV over the last ``days`` days, and the top 5 products by net revenue."""
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
    top = conn.execute(
        """
        SELECT l.product_id, coalesce(p.product_name, l.product_name) AS name,
               sum(l.net_line_revenue) AS revenue
        FROM analytics.fct_order_lines l
        LEFT JOIN analytics.dim_product p USING (product_id)
        WHERE l.is_valid AND l.order_date > current_date - %(days)s::int
        GROUP BY 1, 2
        ORDER BY revenue DESC, l.product_id
        LIMIT 5
        """,
        {"days": days},
    ).fetchall()
    aov = (revenue / orders).quantize(Decimal("0.01")) if orders else None
    return KpiSummary(days, Decimal(revenue).quantize(Decimal("0.01")), orders, aov, top)
