"""The dashboard's SQL: one function per figure, each reading the analytics schema only.

Every function takes an open connection (the BI role's) and the page's Filters, and returns a
pandas DataFrame (or a small tuple). The marts answer at their own grain; where a mart has no
country or channel, the page says the filter does not apply (``applies``), instead of
pretending. Money is in the reporting currency, tax excluded (docs/models.md), so figures of
several shops add up.

The marts may hold several shops (PrestaShop installations), whose ids repeat: every join
matches the shop too, and a product, category, customer or channel is (id, shop), never the id
alone. A country is the exception: its ISO code names it in every shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
import psycopg

from phc_analytics.dashboard.filters import UNKNOWN_COUNTRY, Filters
from phc_analytics.dashboard.periods import Period, whole_months
from phc_analytics.warehouse.pii import customer_relation

# The filter clauses, for any relation with these columns; ``t`` is its alias and a dot ("l.").
# An empty list means every value: the server plans with the values, so such a clause folds to
# true, its subquery with it.
DAYS = "date_day BETWEEN %(start)s AND %(end)s"


def country_key(t: str = "") -> str:
    """A country as the filter names it, from dim_geography: its ISO code, the same in every
    shop (country ids are each shop's own)."""
    return f"coalesce({t}iso_code, '{UNKNOWN_COUNTRY}')"


def country_filter(t: str = "") -> str:
    """The chosen countries in every shop: the (country_id, shop) pairs of their ISO codes."""
    return (
        f"(cardinality(%(countries)s::text[]) = 0 OR ({t}country_id, {t}shop) IN"
        " (SELECT cg.country_id, cg.shop FROM analytics.dim_geography AS cg"
        f" WHERE {country_key('cg.')} = ANY(%(countries)s::text[])))"
    )


def channel_filter(t: str = "") -> str:
    """Channels as channels() names them: '<shop>/<key>', or the bare key in a one-shop
    warehouse (a bare key matches it in any shop, so a one-shop URL keeps working)."""
    return (
        f"(cardinality(%(channels)s::text[]) = 0"
        f" OR {t}sales_channel_key = ANY(%(channels)s::text[])"
        f" OR {t}shop || '/' || {t}sales_channel_key = ANY(%(channels)s::text[]))"
    )


def shop_filter(t: str = "") -> str:
    return f"(cardinality(%(shops)s::text[]) = 0 OR {t}shop = ANY(%(shops)s::text[]))"


def frame(conn: psycopg.Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    cur = conn.execute(sql, params or {})
    columns = [c.name for c in cur.description]
    return pd.DataFrame(cur.fetchall(), columns=columns)


# --- who reads ----------------------------------------------------------------------------------


def read_only_problem(conn: psycopg.Connection) -> str | None:
    """Why the connected role must not serve the dashboard (a superuser, or a role that can
    write or create in analytics), or None for a read-only role such as phc_bi."""
    role, superuser, can_create, can_write = conn.execute(
        """SELECT r.rolname, r.rolsuper, has_schema_privilege('analytics', 'CREATE'),
                  EXISTS (SELECT 1 FROM pg_class AS c
                           WHERE c.relnamespace = 'analytics'::regnamespace
                             AND c.relkind IN ('r', 'm', 'p')
                             AND (has_table_privilege(c.oid, 'INSERT')
                                  OR has_table_privilege(c.oid, 'UPDATE')
                                  OR has_table_privilege(c.oid, 'DELETE')))
             FROM pg_roles AS r WHERE r.rolname = current_user"""
    ).fetchone()
    if superuser:
        reason = "is a superuser"
    elif can_create or can_write:
        reason = "can change the analytics schema"
    else:
        return None
    return (
        f"the dashboard would read as {role}, which {reason}; it reads as the read-only BI role"
        " phc_bi: unset PHC_BI_DATABASE_URL, or point it at phc_bi"
    )


# --- what the filters offer ----------------------------------------------------------------------


def data_days(conn: psycopg.Connection) -> tuple[date, date] | None:
    """First and last day with an order; None before the first build."""
    (built,) = conn.execute("SELECT to_regclass('analytics.agg_sales_daily')").fetchone()
    if built is None:
        return None
    row = conn.execute(
        "SELECT min(date_day), max(date_day) FROM analytics.agg_sales_daily WHERE placed_orders > 0"
    ).fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def currency(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT currency FROM analytics.agg_sales_daily LIMIT 1").fetchone()
    return row[0] if row and row[0] else ""


def shops(conn: psycopg.Connection) -> list[str]:
    """The shops with orders, by name (dim_sales_channel: a few rows a shop). With one, the
    pages show no shop; with several, every per-shop row names its shop."""
    return [
        shop
        for (shop,) in conn.execute(
            "SELECT DISTINCT shop FROM analytics.dim_sales_channel ORDER BY 1"
        ).fetchall()
    ]


def countries(conn: psycopg.Connection) -> pd.DataFrame:
    """The countries with an order, by ISO code (``country``); a name where shops in different
    languages name it differently is one of theirs."""
    return frame(
        conn,
        f"""SELECT {country_key("g.")} AS country,
                   min(coalesce(g.country_name, 'unknown')) AS country_name
              FROM analytics.dim_geography AS g
             WHERE EXISTS (SELECT 1 FROM analytics.agg_sales_daily AS d
                            WHERE d.country_id = g.country_id AND d.shop = g.shop
                              AND d.placed_orders > 0)
             GROUP BY 1 ORDER BY 2, 1""",
    )


def channels(conn: psycopg.Connection) -> pd.DataFrame:
    """Channels with orders; ``channel`` is what the filter takes (channel_filter)."""
    return frame(
        conn,
        """SELECT CASE WHEN min(shop) OVER () = max(shop) OVER () THEN sales_channel_key
                       ELSE shop || '/' || sales_channel_key END AS channel,
                  sales_channel_key, shop, order_count
             FROM analytics.dim_sales_channel
            WHERE order_count > 0 ORDER BY order_count DESC, sales_channel_key, shop""",
    )


# --- overview ------------------------------------------------------------------------------------


def sales_totals(conn: psycopg.Connection, filters: Filters, period: Period) -> tuple[Decimal, int]:
    """Net revenue and valid orders over ``period`` with the page's country and channel."""
    revenue, orders = conn.execute(
        f"""SELECT coalesce(sum(net_revenue), 0), coalesce(sum(orders), 0)::bigint
              FROM analytics.agg_sales_daily
             WHERE date_day BETWEEN %(p_start)s AND %(p_end)s
               AND {country_filter()} AND {channel_filter()} AND {shop_filter()}""",
        {**filters.sql_params(), "p_start": period.start, "p_end": period.end},
    ).fetchone()
    return Decimal(revenue), int(orders)


def daily_trend(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    return frame(
        conn,
        f"""SELECT date_day, sum(net_revenue) AS net_revenue, sum(orders)::bigint AS orders
              FROM analytics.agg_sales_daily
             WHERE {DAYS} AND {country_filter()} AND {channel_filter()} AND {shop_filter()}
             GROUP BY 1 ORDER BY 1""",
        filters.sql_params(),
    )


def monthly_trend(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """The twelve months up to the range's last day, so a year's shape shows whatever the
    range (agg_orders_monthly: each order counted once)."""
    return frame(
        conn,
        f"""SELECT month_start, sum(net_revenue) AS net_revenue, sum(orders)::bigint AS orders,
                   sum(net_revenue) / nullif(sum(orders), 0) AS average_order_value
              FROM analytics.agg_orders_monthly
             WHERE month_start BETWEEN date_trunc('month', %(end)s::date) - interval '11 months'
                                   AND %(end)s
               AND {country_filter()} AND {channel_filter()} AND {shop_filter()}
             GROUP BY 1 ORDER BY 1""",
        filters.sql_params(),
    )


def split_by_country(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """One row per country, every shop's sales in it summed (as the country filter has it)."""
    return frame(
        conn,
        f"""SELECT min(coalesce(g.country_name, 'unknown')) AS country,
                   sum(d.net_revenue) AS net_revenue, sum(d.orders)::bigint AS orders
              FROM analytics.agg_sales_daily AS d
              LEFT JOIN analytics.dim_geography AS g USING (country_id, shop)
             WHERE {DAYS} AND {country_filter("d.")} AND {channel_filter("d.")}
               AND {shop_filter("d.")}
             GROUP BY {country_key("g.")} HAVING sum(d.orders) > 0 ORDER BY 2 DESC""",
        filters.sql_params(),
    )


def split_by_channel(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    return frame(
        conn,
        f"""SELECT sales_channel_key AS channel, shop, sum(net_revenue) AS net_revenue,
                   sum(orders)::bigint AS orders
              FROM analytics.agg_sales_daily
             WHERE {DAYS} AND {country_filter()} AND {channel_filter()} AND {shop_filter()}
             GROUP BY 1, 2 HAVING sum(orders) > 0 ORDER BY 3 DESC, 1, 2""",
        filters.sql_params(),
    )


# --- products and categories ---------------------------------------------------------------------

# Valid lines of the range, with the page's country and channel: the facts carry both, the
# monthly product marts neither.
LINES = f"""FROM analytics.fct_order_lines AS l
           WHERE l.is_valid AND l.order_date BETWEEN %(start)s AND %(end)s
             AND {country_filter("l.")} AND {channel_filter("l.")} AND {shop_filter("l.")}"""


@dataclass(frozen=True)
class ProductRanking:
    """The products page's four rankings: products (product_id, product, shop, quantity,
    net_revenue, margin) and categories (category, shop, net_revenue, margin, orders), each by
    revenue and by margin (rows without a margin left out of the margin ranking), best first.
    A product or category is one shop's: the same id in two shops is two rows."""

    products_by_revenue: pd.DataFrame
    products_by_margin: pd.DataFrame
    categories_by_revenue: pd.DataFrame
    categories_by_margin: pd.DataFrame


# The months the range covers whole come from the monthly marts (agg_product_performance,
# agg_category_sales: a few thousand rows a month), the days at its ends from the lines. At 1M
# orders a 90-day range is 227k lines whose amounts carry up to 36 decimals: summing them all
# took 0.5 s, most of the page's queries (docs/benchmarks.md). Exact either way: the marts keep
# the full sums, and an order falls in one month, so distinct orders per category add up.
# With a country or channel chosen, the lines answer for the whole range (the marts have
# neither; they have the shop).
RANKING = f"""
    WITH lines AS MATERIALIZED (
        SELECT l.product_id, l.shop, l.category_id, l.order_id, l.quantity, l.net_line_revenue,
               l.line_margin
          FROM analytics.fct_order_lines AS l
         WHERE l.is_valid
           AND (l.order_date BETWEEN %(edge1_start)s AND %(edge1_end)s
                OR l.order_date BETWEEN %(edge2_start)s AND %(edge2_end)s)
           AND {country_filter("l.")} AND {channel_filter("l.")} AND {shop_filter("l.")}),
    products AS (
        SELECT product_id, shop, sum(quantity)::bigint AS quantity,
               sum(net_revenue) AS net_revenue, sum(margin) AS margin
          FROM (SELECT product_id, shop, quantity, net_line_revenue AS net_revenue,
                       line_margin AS margin
                  FROM lines
                 UNION ALL
                SELECT product_id, shop, quantity, net_revenue, margin
                  FROM analytics.agg_product_performance
                 WHERE month_start = ANY(%(months)s::date[]) AND {shop_filter()}) AS p
         GROUP BY product_id, shop),
    categories AS (
        SELECT category_id, shop, sum(net_revenue) AS net_revenue, sum(margin) AS margin,
               sum(orders)::bigint AS orders
          FROM (SELECT category_id, shop, sum(net_line_revenue) AS net_revenue,
                       sum(line_margin) AS margin, count(DISTINCT order_id) AS orders
                  FROM lines GROUP BY category_id, shop
                 UNION ALL
                SELECT category_id, shop, net_revenue, margin, orders
                  FROM analytics.agg_category_sales
                 WHERE month_start = ANY(%(months)s::date[]) AND {shop_filter()}) AS c
         GROUP BY category_id, shop),
    ranked AS (
        SELECT 'product' AS kind, product_id AS id, shop, quantity, net_revenue, margin,
               NULL::bigint AS orders,
               row_number() OVER (ORDER BY net_revenue DESC NULLS LAST, product_id, shop)
                   AS by_revenue,
               row_number() OVER (ORDER BY margin DESC NULLS LAST, product_id, shop) AS by_margin
          FROM products
         UNION ALL
        SELECT 'category', category_id, shop, NULL, net_revenue, margin, orders,
               row_number() OVER (ORDER BY net_revenue DESC NULLS LAST, category_id, shop),
               row_number() OVER (ORDER BY margin DESC NULLS LAST, category_id, shop)
          FROM categories)
    SELECT r.kind, r.id, r.shop,
           CASE WHEN r.kind = 'product' THEN coalesce(p.product_name, 'product ' || r.id)
                ELSE coalesce(c.category_name, 'unknown') END AS name,
           r.quantity, round(r.net_revenue, 2) AS net_revenue, round(r.margin, 2) AS margin,
           r.orders, r.by_revenue, CASE WHEN r.margin IS NOT NULL THEN r.by_margin END AS by_margin
      FROM ranked AS r
      LEFT JOIN analytics.dim_product AS p
             ON r.kind = 'product' AND p.product_id = r.id AND p.shop = r.shop
      LEFT JOIN (SELECT DISTINCT category_id, shop, category_name FROM analytics.dim_product) AS c
             ON r.kind = 'category' AND c.category_id = r.id AND c.shop = r.shop
     WHERE r.by_revenue <= %(limit)s OR (r.margin IS NOT NULL AND r.by_margin <= %(limit)s)"""


def product_ranking(conn: psycopg.Connection, filters: Filters, limit: int = 15) -> ProductRanking:
    """Top products and categories of the range by revenue and by margin, in one statement
    (one read of the range's lines, none of the 9k products the page does not show)."""
    by_place = not filters.countries and not filters.channels
    months, edges = whole_months(filters.period) if by_place else ([], [filters.period])
    bounds: dict[str, date | None] = {}
    for number in (1, 2):
        edge = edges[number - 1] if len(edges) >= number else None
        bounds[f"edge{number}_start"] = edge.start if edge else None
        bounds[f"edge{number}_end"] = edge.end if edge else None
    rows = frame(
        conn, RANKING, {**filters.sql_params(), **bounds, "months": months, "limit": limit}
    )
    return split_ranking(rows)


def split_ranking(rows: pd.DataFrame) -> ProductRanking:
    """RANKING's rows (kind, id, shop, name, figures, by_revenue and by_margin places) as the
    four tables the page shows."""

    def ranked(kind: str, by: str, columns: dict[str, str]) -> pd.DataFrame:
        chosen = rows[(rows["kind"] == kind) & rows[by].notna()].sort_values(by)
        out = chosen[list(columns)].rename(columns=columns).reset_index(drop=True)
        # Counts stay integers (the other kind's NULLs made the column float).
        for count in {"quantity", "orders"} & set(out.columns):
            out[count] = out[count].astype("Int64")
        return out

    product = {"id": "product_id", "name": "product", "shop": "shop", "quantity": "quantity",
               "net_revenue": "net_revenue", "margin": "margin"}  # fmt: skip
    category = {"name": "category", "shop": "shop", "net_revenue": "net_revenue",
                "margin": "margin", "orders": "orders"}  # fmt: skip
    return ProductRanking(
        ranked("product", "by_revenue", product),
        ranked("product", "by_margin", product),
        ranked("category", "by_revenue", category),
        ranked("category", "by_margin", category),
    )


def product_daily(
    conn: psycopg.Connection, filters: Filters, product_id: int, shop: str
) -> pd.DataFrame:
    return frame(
        conn,
        f"""SELECT l.order_date AS date_day, sum(l.quantity)::bigint AS quantity,
                   sum(l.net_line_revenue) AS net_revenue
            {LINES} AND l.product_id = %(product_id)s AND l.shop = %(product_shop)s
             GROUP BY 1 ORDER BY 1""",
        {**filters.sql_params(), "product_id": product_id, "product_shop": shop},
    )


def bought_together(
    conn: psycopg.Connection, shops: tuple[str, ...] = (), limit: int = 15
) -> pd.DataFrame:
    """All-time pairs (product_pairs has no date, country or channel), of ``shops`` (every
    shop when empty): the page's shops only, so that a new date range does not recompute them.
    A pair is within one shop (a basket is one shop's order)."""
    return frame(
        conn,
        f"""SELECT coalesce(a.product_name, 'product ' || p.product_a_id) AS product_a,
                   coalesce(b.product_name, 'product ' || p.product_b_id) AS product_b, p.shop,
                   p.pair_orders, round(p.confidence_a_to_b::numeric, 3) AS confidence_a_to_b,
                   round(p.lift::numeric, 2) AS lift
              FROM analytics.product_pairs AS p
              LEFT JOIN analytics.dim_product AS a
                     ON a.product_id = p.product_a_id AND a.shop = p.shop
              LEFT JOIN analytics.dim_product AS b
                     ON b.product_id = p.product_b_id AND b.shop = p.shop
             WHERE {shop_filter("p.")}
             ORDER BY p.pair_orders DESC, p.lift DESC, 1, 2, p.shop LIMIT %(limit)s""",
        {"shops": list(shops), "limit": limit},
    )


# --- customers -----------------------------------------------------------------------------------


def cohort_retention(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Cohorts (first valid order's month) that start in the range, every chosen shop's customers
    together. With a country chosen, the retention is recomputed from customer_cohorts for the
    customers of those countries.

    Each shop's cohorts run to its own latest month, so a cell counts the customers of the shops
    that reach it: its size is the sum of their cohorts' (with one shop, the cohort's size)."""
    params = filters.sql_params()
    if not filters.countries:
        return frame(
            conn,
            f"""SELECT cohort_month, cohort_month_number, sum(cohort_size)::bigint AS cohort_size,
                       sum(retained_customers) / sum(cohort_size) AS retention_rate
                  FROM analytics.cohort_retention
                 WHERE cohort_month BETWEEN date_trunc('month', %(start)s::date) AND %(end)s
                   AND {shop_filter()}
                 GROUP BY 1, 2 ORDER BY 1, 2""",
            params,
        )
    customers = customer_relation(conn)
    return frame(
        conn,
        # Month numbers start at 1 (the first order's month); customer_cohorts has a row for
        # every customer and month since, up to the shop's latest, ordered in or not: retained
        # means ordered that month, and a cell's rows are its customers.
        f"""SELECT c.cohort_month, c.cohort_month_number, count(*) AS cohort_size,
                   count(*) FILTER (WHERE c.order_count_in_month > 0)::numeric / count(*)
                       AS retention_rate
              FROM analytics.customer_cohorts AS c
              JOIN {customers} AS d USING (customer_id, shop)
             WHERE c.cohort_month BETWEEN date_trunc('month', %(start)s::date) AND %(end)s
               AND {country_filter("d.")} AND {shop_filter("c.")}
             GROUP BY 1, 2 ORDER BY 1, 2""",
        params,
    )


def rfm_segments(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    customers = customer_relation(conn)
    return frame(
        conn,
        f"""SELECT rfm_segment, count(*)::bigint AS customers,
                   round(sum(lifetime_value), 2) AS revenue, sum(lifetime_orders)::bigint AS orders,
                   round(avg(lifetime_value), 2) AS average_value
              FROM {customers}
             WHERE rfm_segment IS NOT NULL AND {country_filter()} AND {shop_filter()}
             GROUP BY 1 ORDER BY 3 DESC""",
        filters.sql_params(),
    )


def revenue_tiers(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    customers = customer_relation(conn)
    return frame(
        conn,
        f"""SELECT revenue_tier, count(*)::bigint AS customers,
                   round(sum(lifetime_value), 2) AS revenue,
                   round(avg(lifetime_value), 2) AS average_clv,
                   round(avg(is_churned::int), 3) AS churn_rate
              FROM {customers}
             WHERE customer_id <> -1 AND lifetime_orders > 0 AND {country_filter()}
               AND {shop_filter()}
             GROUP BY 1 ORDER BY 3 DESC""",
        filters.sql_params(),
    )


def customer_summary(conn: psycopg.Connection, filters: Filters) -> tuple[int, Decimal, Decimal]:
    """Customers with a valid order, their churn rate and average lifetime value (CLV). A
    customer is one shop's: a person who bought in two shops counts twice."""
    customers = customer_relation(conn)
    count, churn, clv = conn.execute(
        f"""SELECT count(*), coalesce(avg(is_churned::int), 0), coalesce(avg(lifetime_value), 0)
              FROM {customers}
             WHERE customer_id <> -1 AND lifetime_orders > 0 AND {country_filter()}
               AND {shop_filter()}""",
        filters.sql_params(),
    ).fetchone()
    return int(count), Decimal(churn), Decimal(clv)


def pii_masked(conn: psycopg.Connection) -> bool:
    """Whether the role reads the masked customer dimension (PHC_BI_PII=masked)."""
    return customer_relation(conn) != "analytics.dim_customer"


def top_customers(conn: psycopg.Connection, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """Email and names as the BI role may read them (dim_customer_masked when PHC_BI_PII=masked).
    Ties go to the newer customer: the order dim_customer's (lifetime_value, customer_id, shop)
    index gives read backwards, so only the shown rows are read (and hashed)."""
    customers = customer_relation(conn)
    return frame(
        conn,
        # c.lifetime_value: the column, not the rounded output of the same name (which no
        # index has, so every customer would be read, hashed and sorted).
        f"""SELECT c.customer_id, c.shop, c.email, c.firstname, c.lastname, c.lifetime_orders,
                   round(c.lifetime_value, 2) AS lifetime_value, c.revenue_tier, c.rfm_segment
              FROM {customers} AS c
             WHERE c.customer_id <> -1 AND {country_filter("c.")} AND {shop_filter("c.")}
             ORDER BY c.lifetime_value DESC, c.customer_id DESC, c.shop DESC
             LIMIT %(limit)s""",
        {**filters.sql_params(), "limit": limit},
    )


# --- anomalies -----------------------------------------------------------------------------------


def anomalies(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Each shop's daily series with its baseline (a baseline and a z-score do not add up
    across shops); sales_anomalies has no country or channel."""
    return frame(
        conn,
        f"""SELECT date_day, shop, net_revenue, orders,
                   round(baseline_mean::numeric, 2) AS baseline_mean,
                   round(z_score::numeric, 2) AS z_score, is_anomaly, anomaly_direction
              FROM analytics.sales_anomalies
             WHERE {DAYS} AND {shop_filter()} ORDER BY 1, 2""",
        filters.sql_params(),
    )


# --- data health ---------------------------------------------------------------------------------


def sync_status(conn: psycopg.Connection) -> pd.DataFrame:
    return frame(
        conn,
        """SELECT shop, entity, cursor_field, synced_through, last_synced_at,
                  date_trunc('second', now() - last_synced_at)::text AS since_last_sync,
                  last_swept_at, last_sweep_removed_ids
             FROM analytics.sync_status ORDER BY shop, last_synced_at, entity""",
    )


def mart_freshness(conn: psycopg.Connection) -> pd.DataFrame:
    """Each mart's last build (refresh or incremental update) from analytics.refresh_log."""
    return frame(
        conn,
        """SELECT DISTINCT ON (view_name) replace(view_name, 'analytics.', '') AS mart,
                  finished_at AS last_built_at, row_count,
                  round(extract(epoch FROM finished_at - started_at)::numeric, 2) AS seconds
             FROM analytics.refresh_log
            WHERE view_name LIKE 'analytics.%%' AND finished_at IS NOT NULL
            ORDER BY view_name, finished_at DESC""",
    )


def failing_checks(conn: psycopg.Connection) -> pd.DataFrame:
    return frame(
        conn,
        """SELECT asset, check_name, severity, failing_count, example_ids, evaluated_at
             FROM analytics.check_results
            WHERE status = 'failed'
            ORDER BY severity, asset, check_name""",
    )


def check_counts(conn: psycopg.Connection) -> dict[str, int]:
    return dict(
        conn.execute(
            "SELECT status, count(*)::int FROM analytics.check_results GROUP BY 1"
        ).fetchall()
    )


def quarantine(conn: psycopg.Connection) -> pd.DataFrame:
    """By shop too: the example id is that shop's record."""
    return frame(
        conn,
        """SELECT shop, entity, reason, count(*)::bigint AS records, min(record_id) AS example_id,
                  max(first_seen_at) AS last_seen_at
             FROM analytics.quarantined_records GROUP BY 1, 2, 3 ORDER BY 4 DESC, 2, 3, 1""",
    )
