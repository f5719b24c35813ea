"""Ten typical dashboard queries on the marts: latency percentiles, and EXPLAIN (ANALYZE,
BUFFERS) to confirm that the selective ones are answered through an index.

"This month" is the month of the shop's latest order (the bench shops end on a fixed date);
the customer and the product are the busiest ones, the least selective choice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import psycopg

from bench.stats import percentile

WARMUP = 5
RUNS = 50
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    index_on: str | None = None  # the mart whose selective filter must go through an index


QUERIES = (
    Query(
        "revenue by month by country (12 months)",
        """
        SELECT m.month_start, g.country_name, sum(m.net_revenue) AS net_revenue,
               sum(m.orders) AS orders
          FROM analytics.agg_orders_monthly AS m
          JOIN analytics.dim_geography AS g USING (country_id)
         WHERE m.month_start > %(month)s::date - interval '12 months'
         GROUP BY 1, 2 ORDER BY 1, 2
        """,
    ),
    Query(
        "top 10 products this month",
        """
        SELECT product_id, product_name, net_revenue, quantity, revenue_rank
          FROM analytics.agg_product_performance
         WHERE month_start = %(month)s
         ORDER BY revenue_rank, product_id LIMIT 10
        """,
        index_on="agg_product_performance",
    ),
    Query(
        "cohort matrix (24 cohorts)",
        """
        SELECT cohort_month, cohort_month_number, cohort_size, retention_rate
          FROM analytics.cohort_retention
         WHERE cohort_month > %(month)s::date - interval '24 months'
         ORDER BY 1, 2
        """,
    ),
    Query(
        "RFM segment counts",
        """
        SELECT rfm_segment, customers, revenue, customer_share
          FROM analytics.agg_rfm_segments ORDER BY customers DESC
        """,
    ),
    Query(
        "one customer's profile",
        "SELECT * FROM analytics.dim_customer WHERE customer_id = %(customer)s",
        index_on="dim_customer",
    ),
    Query(
        "one customer's last 20 orders",
        """
        SELECT order_id, order_created_at, status_group, net_revenue, line_count
          FROM analytics.fct_orders WHERE customer_id = %(customer)s
         ORDER BY order_created_at DESC LIMIT 20
        """,
        index_on="fct_orders",
    ),
    Query(
        "daily revenue, last 30 days",
        """
        SELECT date_day, sum(net_revenue) AS net_revenue, sum(orders) AS orders
          FROM analytics.agg_sales_daily
         WHERE date_day > %(day)s::date - 30 AND date_day <= %(day)s
         GROUP BY 1 ORDER BY 1
        """,
        index_on="agg_sales_daily",
    ),
    Query(
        "orders by status this month",
        """
        SELECT status_group, count(*) AS orders, sum(net_revenue) AS net_revenue
          FROM analytics.fct_orders
         WHERE order_date >= %(month)s AND order_date < %(month)s::date + interval '1 month'
         GROUP BY 1 ORDER BY 2 DESC
        """,
        index_on="fct_orders",
    ),
    Query(
        "bought together with a product",
        """
        SELECT product_b_id, pair_orders, confidence_a_to_b, lift
          FROM analytics.product_pairs WHERE product_a_id = %(product)s
         ORDER BY lift DESC LIMIT 5
        """,
        index_on="product_basket_counts",  # product_pairs is a view over it
    ),
    Query(
        "one product's daily sales, 90 days",
        """
        SELECT order_date, sum(quantity) AS quantity, sum(net_line_revenue) AS net_revenue
          FROM analytics.fct_order_lines
         WHERE product_id = %(product)s AND order_date > %(day)s::date - 90
         GROUP BY 1 ORDER BY 1
        """,
        index_on="fct_order_lines",
    ),
)


@dataclass
class QueryResult:
    query: Query
    p50_ms: float
    p95_ms: float
    rows: int
    scans: list[str] = field(default_factory=list)  # "Node Type on relation [index]"
    shared_hit: int = 0
    shared_read: int = 0

    @property
    def index_used(self) -> bool | None:
        """None when the query has no selective filter to check."""
        if self.query.index_on is None:
            return None
        return any(
            scan.split(" on ")[0] in INDEX_NODES and f" on {self.query.index_on}" in scan
            for scan in self.scans
        )


def parameters(conn: psycopg.Connection) -> dict:
    day, month = conn.execute(
        "SELECT max(order_date), date_trunc('month', max(order_date))::date"
        " FROM analytics.fct_orders"
    ).fetchone()
    customer = conn.execute(
        "SELECT customer_id FROM analytics.dim_customer WHERE customer_id <> -1"
        " ORDER BY lifetime_orders DESC, customer_id LIMIT 1"
    ).fetchone()
    product = conn.execute(
        "SELECT product_id FROM analytics.agg_product_performance"
        " GROUP BY 1 ORDER BY sum(net_revenue) DESC, 1 LIMIT 1"
    ).fetchone()
    # Empty marts (a broken build) still get timed, with values that match nothing.
    return {
        "day": day or date.today(),
        "month": month or date.today().replace(day=1),
        "customer": customer[0] if customer else -1,
        "product": product[0] if product else -1,
    }


def _scans(node: dict, out: list[str]) -> None:
    if "Relation Name" in node:
        names = [node.get("Index Name")] + [c.get("Index Name") for c in node.get("Plans", [])]
        used = [name for name in names if name]
        index = f" [{used[0]}]" if used else ""
        out.append(f"{node['Node Type']} on {node['Relation Name']}{index}")
    for child in node.get("Plans", []):
        _scans(child, out)


def run_queries(url: str, runs: int = RUNS) -> list[QueryResult]:
    results = []
    with psycopg.connect(url, autocommit=True) as conn:
        params = parameters(conn)
        for query in QUERIES:
            timings = []
            rows = 0
            for i in range(WARMUP + runs):
                started = time.perf_counter()
                rows = len(conn.execute(query.sql, params).fetchall())
                if i >= WARMUP:
                    timings.append((time.perf_counter() - started) * 1000)
            plan = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.sql, params
            ).fetchone()[0][0]["Plan"]
            scans: list[str] = []
            _scans(plan, scans)
            results.append(
                QueryResult(
                    query,
                    percentile(timings, 50),
                    percentile(timings, 95),
                    rows,
                    scans,
                    plan.get("Shared Hit Blocks", 0),
                    plan.get("Shared Read Blocks", 0),
                )
            )
    return results
