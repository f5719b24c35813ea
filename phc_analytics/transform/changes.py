"""Is there anything for dbt to do? One cheap query per dbt layer, asked before its build.

A run whose shop did not change must not rebuild a model (a dbt build of every model and test
costs tens of seconds even when nothing moved). The answer comes from the warehouse itself, not
from Dagster's event log, so a build by hand counts too:

- staging: is there a raw row that the snapshot taken just before the last build of each
  selected staging model could not see? Every transaction below that snapshot's xmin had ended
  when the build started, so its rows were staged (the rule staging applies per id,
  macros/staging_incremental.sql). Each raw table has an index on load_xid: one range probe per
  table from the xmin, and ``pg_visible_in_snapshot`` drops the rows in that range that had
  committed before the build (the xmin is server-wide: any long write, in any database, holds it
  back).
- analytics: was any staging model built after the oldest last build of the selected marts, is a
  selected mart missing from the log, or did the day change since (the daily marts are filled
  with zero days up to today)?

Every build appends its rows to analytics.refresh_log: the marts from dbt's macros, the staging
models from the dbt asset after a successful build (log_staging_builds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import psycopg
from psycopg import sql

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.entities import ENTITIES

RAW_TABLES = tuple(entity.name for entity in ENTITIES)
# The marts built as incremental tables (macros/incremental_marts.sql, macros/basket_counts.sql).
INCREMENTAL_MARTS = (
    "agg_carts_daily",
    "agg_category_sales",
    "agg_product_performance",
    "agg_sales_daily",
    "agg_sales_monthly",
    "agg_voucher_use_monthly",
    "customer_cohorts",
    "fct_order_lines",
    "fct_orders",
    "payment_mismatches",
    "product_basket_counts",
)


@dataclass(frozen=True)
class Decision:
    build: bool
    reason: str


class Snapshot(NamedTuple):
    """What a transaction could see: every id below ``xmin`` had ended; ``text`` is the whole
    ``pg_snapshot`` (xmin:xmax:in-progress ids)."""

    xmin: int
    text: str


def current_snapshot(conn: psycopg.Connection) -> Snapshot:
    query = "SELECT pg_snapshot_xmin(s)::text::bigint, s::text FROM pg_current_snapshot() AS s"
    return Snapshot(*conn.execute(query).fetchone())


class Build(NamedTuple):
    """The latest logged build of a relation."""

    log_id: int
    snapshot_xmin: int
    before_today: bool  # it finished on an earlier day than the server's current_date
    snapshot: str | None = None  # what it read with; logged since migration 011, staging only


def last_builds(conn: psycopg.Connection, relations: Sequence[str]) -> dict[str, Build]:
    """The latest logged build of each relation that has one (one index probe each)."""
    rows = conn.execute(
        """SELECT n.name, l.id, coalesce(l.snapshot_xmin, 0), l.finished_at::date < current_date,
                  l.snapshot::text
           FROM unnest(%s::text[]) AS n(name)
           CROSS JOIN LATERAL (
               SELECT id, snapshot_xmin, finished_at, snapshot FROM analytics.refresh_log
               WHERE view_name = n.name ORDER BY started_at DESC, id DESC LIMIT 1
           ) AS l""",
        (list(relations),),
    ).fetchall()
    return {name: Build(*build) for name, *build in rows}


def missing_relations(conn: psycopg.Connection, relations: Sequence[str]) -> list[str]:
    rows = conn.execute(
        "SELECT n.name FROM unnest(%s::text[]) AS n(name) WHERE to_regclass(n.name) IS NULL",
        (list(relations),),
    ).fetchall()
    return [name for (name,) in rows]


def plain_views(conn: psycopg.Connection, relations: Sequence[str]) -> set[str]:
    """The relations that are views: they hold no rows, so there is nothing to refresh (dbt
    creates them; product_pairs is one)."""
    rows = conn.execute(
        """SELECT n.name FROM unnest(%s::text[]) AS n(name)
           JOIN pg_class AS c ON c.oid = to_regclass(n.name) WHERE c.relkind = 'v'""",
        (list(relations),),
    ).fetchall()
    return {name for (name,) in rows}


def raw_tables_changed_since(
    conn: psycopg.Connection, xmin: int, snapshots: Sequence[str | None] = (None,)
) -> list[str]:
    """The raw tables holding a row loaded by a transaction at or above ``xmin`` that one of
    ``snapshots`` could not see (``None``, a build logged without its snapshot, sees none)."""
    probes = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            """SELECT {name} WHERE EXISTS (
                   SELECT 1 FROM raw.{table} AS r WHERE r.load_xid >= %(xmin)s
                   AND NOT coalesce((
                       SELECT bool_and(pg_visible_in_snapshot(r.load_xid::text::xid8, s))
                       FROM unnest(%(snapshots)s::pg_snapshot[]) AS s), false))"""
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
        for table in RAW_TABLES
    )
    params = {"xmin": xmin, "snapshots": list(snapshots)}
    return [name for (name,) in conn.execute(probes, params).fetchall()]


def _never_built(
    conn: psycopg.Connection, relations: Sequence[str], builds: dict[str, Build]
) -> Decision | None:
    """A build decided before any log is read: a relation is missing, or has no logged build."""
    missing = missing_relations(conn, relations)
    if missing:
        return Decision(True, f"not built yet: {', '.join(missing)}")
    views = plain_views(conn, relations)
    unlogged = [name for name in relations if name not in builds and name not in views]
    if unlogged:
        return Decision(True, f"no logged build of {', '.join(unlogged)}")
    return None


def staging_decision(conn: psycopg.Connection, models: Sequence[str]) -> Decision:
    """Build the staging ``models`` (``staging.stg_*``) only when raw received something."""
    builds = last_builds(conn, models)
    unknown = _never_built(conn, models, builds)
    if unknown:
        return unknown
    since = min(build.snapshot_xmin for build in builds.values())
    snapshots = sorted({build.snapshot for build in builds.values()}, key=str)
    changed = raw_tables_changed_since(conn, since, snapshots)
    if changed:
        return Decision(True, f"new raw rows in {', '.join(changed)}")
    return Decision(False, "no raw row arrived since the last staging build")


def analytics_decision(
    conn: psycopg.Connection,
    marts: Sequence[str],
    staging_models: Sequence[str],
) -> Decision:
    """Build the ``marts`` (``analytics.*``) only when staging was rebuilt after them, one is
    missing or was never logged, or the day changed since their last build."""
    builds = last_builds(conn, marts)
    unknown = _never_built(conn, marts, builds)
    if unknown:
        return unknown
    if not builds:
        return Decision(False, "only views selected: they read their tables when queried")
    oldest = min(build.log_id for build in builds.values())
    staged = last_builds(conn, staging_models)
    newer = sorted(name for name, build in staged.items() if build.log_id > oldest)
    if newer:
        return Decision(True, f"staging rebuilt since: {', '.join(newer)}")
    # NULL (an unfinished log row) counts as an earlier day: build.
    if any(build.before_today is not False for build in builds.values()):
        return Decision(True, "a new day since the last build (daily marts reach today)")
    return Decision(False, "staging has not changed since the last build of the marts")


# Columns whose absence means staging was built by an earlier version: an incremental build would
# stop on dbt's on_schema_change check, so staging is rebuilt whole once.
STAGING_COLUMNS = (
    ("stg_orders", "_staged_xid", "staging was built before _staged_xid existed"),
    ("stg_customers", "is_removed", "staging was built before deletes were tracked"),
    ("stg_products", "is_removed", "staging was built before deletes were tracked"),
    ("stg_addresses", "is_removed", "staging was built before deletes were tracked"),
    ("stg_categories", "is_removed", "staging was built before deletes were tracked"),
    ("stg_orders", "is_removed", "staging was built before deletes were tracked"),
    ("stg_order_cart_rules", "_staged_xid", "staging was built before voucher use was incremental"),
    ("stg_carts", "shop_id", "staging was built before carts carried their store"),
    *(
        (model, "shop", "staging was built before it kept shops apart")
        for model in (
            "stg_orders", "stg_order_rows", "stg_order_histories", "stg_order_states",
            "stg_order_slips", "stg_order_payments", "stg_order_cart_rules", "stg_cart_rules",
            "stg_carts", "stg_customers", "stg_addresses", "stg_products", "stg_categories",
            "stg_stock_availables", "stg_countries", "stg_zones", "stg_currencies",
            "stg_currency_rates", "stg_carriers", "stg_configurations", "stg_shops",
            "stg_shop_groups", "stg_quarantine",
        )
    ),
)  # fmt: skip


# The same for the incremental marts: a column added or renamed since they were built.
_NO_CURRENCY = "the aggregates were built before they carried their currency"
MART_COLUMNS = (
    ("agg_sales_monthly", "orders_with_category", "agg_sales_monthly still has `orders`"),
    ("agg_sales_daily", "currency", _NO_CURRENCY),
    ("agg_sales_monthly", "currency", _NO_CURRENCY),
    ("agg_product_performance", "currency", _NO_CURRENCY),
    ("agg_category_sales", "currency", _NO_CURRENCY),
    ("agg_voucher_use_monthly", "currency", _NO_CURRENCY),
    ("fct_orders", "reporting_rate", "the facts were built before the reporting currency"),
    ("fct_order_lines", "reporting_rate", "the facts were built before the reporting currency"),
    ("fct_order_lines", "shop_id", "the order lines were built before they carried their store"),
    # Issue 17: every mart keeps installations apart (a full rebuild also recreates the
    # materialized views, whose SQL changed with them).
    *(
        (mart, "shop", "the marts were built before they kept shops apart")
        for mart in INCREMENTAL_MARTS
    ),
)


def _first_missing_column(
    conn: psycopg.Connection, schema: str, expected: Sequence[tuple[str, str, str]]
) -> str | None:
    """The reason of the first (table, column) whose table exists without the column."""
    for table, column, why in expected:
        (missing,) = conn.execute(
            """SELECT to_regclass(%(table)s) IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM information_schema.columns WHERE table_schema = %(schema)s
                   AND table_name = %(name)s AND column_name = %(column)s)""",
            {"table": f"{schema}.{table}", "schema": schema, "name": table, "column": column},
        ).fetchone()
        if missing:
            return why
    return None


def upgrade_reason(conn: psycopg.Connection, layer: str) -> str | None:
    """Why ``layer`` ('staging' or 'analytics') must be rebuilt whole, or None.

    A warehouse built before the incremental marts has staging tables without _staged_xid (an
    incremental build would stop on dbt's on_schema_change check), marts now incremental as
    materialized views (an incremental build cannot insert into a view), or facts without
    _mart_xid (the aggregates over them find their changed groups with it), or incremental marts
    without a column added since (MART_COLUMNS: dbt's on_schema_change would stop). A
    full refresh of staging drops the views that read it (DROP ... CASCADE), so the marts are
    then recreated by their own build, which finds them missing."""
    if layer == "staging":
        return _first_missing_column(conn, "staging", STAGING_COLUMNS)
    views = conn.execute(
        "SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics'"
        " AND matviewname = ANY(%s) ORDER BY 1",
        (list(INCREMENTAL_MARTS),),
    ).fetchall()
    if views:
        names = ", ".join(name for (name,) in views)
        return f"{names} are still materialized views (now incremental tables)"
    (unmarked,) = conn.execute(
        """SELECT to_regclass('analytics.fct_orders') IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM information_schema.columns WHERE table_schema = 'analytics'
               AND table_name = 'fct_orders' AND column_name = '_mart_xid')"""
    ).fetchone()
    if unmarked:
        return "the facts were built before _mart_xid existed"
    return (
        _first_missing_column(conn, "analytics", MART_COLUMNS)
        or reporting_currency_reason(conn)
        or currency_paths_reason(conn)
    )


def reporting_currency_reason(conn: psycopg.Connection) -> str | None:
    """Why the marts must be rebuilt for the reporting currency: it changed since they were
    built (their amounts are in the old one). A code no shop has a currency for stops here,
    in one line, before dbt converts every amount to nothing."""
    chosen = settings.reporting_currency()
    if not conn.execute("SELECT to_regclass('staging.stg_currencies') IS NOT NULL").fetchone()[0]:
        return None
    codes = [r[0] for r in conn.execute("SELECT DISTINCT iso_code FROM staging.stg_currencies")]
    if chosen and codes and chosen not in codes:
        raise PhcError(
            f"{settings.ENV_REPORTING_CURRENCY}={chosen} is not a currency of any shop (they have"
            f" {', '.join(sorted(c for c in codes if c))}): choose one of them, or unset it"
        )
    (has_currency,) = conn.execute(
        """SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'analytics'
                          AND table_name = 'fct_orders' AND column_name = 'currency')"""
    ).fetchone()
    if not has_currency:
        return None
    row = conn.execute(
        "SELECT currency FROM analytics.fct_orders WHERE currency IS NOT NULL LIMIT 1"
    ).fetchone()
    expected = chosen or _default_currency(conn)
    if row and expected and row[0] != expected:
        return f"the reporting currency changed from {row[0]} to {expected}"
    return None


# The conversion path of each (installation, currency) pair, from a relation of pairs ({pairs})
# and the reporting currency (%(reporting)s): the installation itself when it knows the
# reporting currency, else the first by name that knows both. The rule of
# models/intermediate/int_currency_paths.sql, which this must follow.
_PATHS = """
    SELECT p.shop, p.iso_code,
           CASE WHEN EXISTS (SELECT 1 FROM {pairs} AS k
                             WHERE k.shop = p.shop AND k.iso_code = %(reporting)s)
                THEN p.shop
                ELSE (SELECT min(a.shop) FROM {pairs} AS a JOIN {pairs} AS b ON b.shop = a.shop
                      WHERE a.iso_code = p.iso_code AND b.iso_code = %(reporting)s)
           END AS via_shop
    FROM {pairs} AS p
"""


def currency_paths_reason(conn: psycopg.Connection) -> str | None:
    """Why the marts must be rebuilt because a conversion path moved: a currency the marts
    converted through another installation's rates would now go through other rates (a shop
    gained or lost a currency, or a shop that sorts first arrived knowing both). No order
    changed, so an incremental build would keep the old rates. Compared on the pairs the last
    fact build recorded (staging.mart_currency_pairs, migration 024)."""
    present = conn.execute(
        "SELECT to_regclass('staging.mart_currency_pairs') IS NOT NULL"
        " AND to_regclass('staging.stg_currencies') IS NOT NULL"
    ).fetchone()[0]
    if not present:
        return None
    reporting = settings.reporting_currency() or _default_currency(conn)
    if not reporting:
        return None
    recorded = "(SELECT shop, iso_code FROM staging.mart_currency_pairs)"
    current = (
        "(SELECT DISTINCT shop, upper(iso_code) AS iso_code FROM staging.stg_currencies"
        " WHERE iso_code IS NOT NULL)"
    )
    (moved,) = conn.execute(
        f"""WITH before AS ({_PATHS.format(pairs=recorded)}),
                 now AS ({_PATHS.format(pairs=current)})
            SELECT count(*) FROM before JOIN now USING (shop, iso_code)
            WHERE before.via_shop IS DISTINCT FROM now.via_shop""",
        {"reporting": reporting},
    ).fetchone()
    if moved:
        return f"{moved} currency conversion paths moved (a shop gained or lost a currency)"
    return None


def _default_currency(conn: psycopg.Connection) -> str | None:
    """The first installation's (by name) default currency, as macros/reporting_currency.sql
    picks it."""
    row = conn.execute(
        """WITH chosen AS (SELECT min(shop) AS shop FROM staging.stg_currencies)
           SELECT c.iso_code FROM staging.stg_configurations AS cfg
           JOIN chosen ON chosen.shop = cfg.shop
           JOIN staging.stg_currencies AS c
             ON c.shop = cfg.shop AND cfg.value ~ '^[0-9]+$' AND c.currency_id = cfg.value::int
           WHERE cfg.name = 'PS_CURRENCY_DEFAULT'
           ORDER BY cfg.id_shop NULLS FIRST, cfg.id_shop_group NULLS FIRST, cfg.configuration_id
           LIMIT 1"""
    ).fetchone()
    return row[0] if row else None


def log_staging_builds(
    conn: psycopg.Connection,
    models: Sequence[str],
    snapshot: Snapshot,
    started_at: dt.datetime,
    run_id,
) -> None:
    """One refresh_log row per staging model built: its snapshot is the next run's watermark."""
    conn.execute(
        """INSERT INTO analytics.refresh_log
               (view_name, started_at, finished_at, row_count, ran_concurrently, run_id,
                snapshot_xmin, snapshot, incremental)
           SELECT name, %s, clock_timestamp(), NULL, false, %s, %s, %s::pg_snapshot, true
           FROM unnest(%s::text[]) AS n(name)""",
        (started_at, run_id, snapshot.xmin, snapshot.text, list(models)),
    )
