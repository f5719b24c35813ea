"""Copy raw between two warehouses, and compare what dbt built in them.

The incremental warehouse (A) and the full rebuild (B) live in two databases of one server.
PostgreSQL cannot query across databases and ``CREATE DATABASE ... TEMPLATE`` needs the template
to have no connection, so raw is copied table by table with COPY (binary) over two connections.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql

# Bookkeeping columns that legitimately differ between an incremental and a full build.
IGNORED_COLUMNS = {"_batch_xmin", "_staged_xid", "_mart_xid"}
# Tables the migrations create, with per-warehouse bookkeeping: not built by dbt.
MIGRATION_TABLES = {
    "staging.etl_watermarks",
    "analytics.refresh_log",
    "staging.removed_fact_rows",
    "staging.mart_currency_pairs",
    # The shops file's store selection, and what each model was built with (migration 025).
    "staging.store_selection",
    "staging.built_store_selection",
    "staging.tested_through",
    "staging.etl_sweeps",
    "staging.erasure_log",
    # What the BI role reads beside the marts (migration 020): the sync's state and the last
    # quality report, not data.
    "analytics.sync_status",
    "analytics.check_results",
}
FLOAT_TYPES = {"double precision", "real"}
FLOAT_TOLERANCE = 1e-9


def relations(conn: psycopg.Connection, schema: str, kind: str) -> list[str]:
    """Names of the relations of ``schema`` whose kind is one of the letters of ``kind``: tables
    ('r'), materialized views ('m'), views ('v'). The migrations' own tables (MIGRATION_TABLES)
    are left out."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = ANY(%s) ORDER BY c.relname",
        (schema, list(kind)),
    ).fetchall()
    return [r[0] for r in rows if f"{schema}.{r[0]}" not in MIGRATION_TABLES]


def columns(conn: psycopg.Connection, schema: str, name: str) -> list[tuple[str, str]]:
    """(column, type) in order; works for materialized views, which information_schema omits."""
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
        " WHERE a.attrelid = format('%%I.%%I', %s::text, %s::text)::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, name),
    ).fetchall()
    return [(c, t) for c, t in rows]


def unique_key(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    """The columns of the relation's first unique index (the mart's grain)."""
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i"
        " JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos) ON true"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = format('%%I.%%I', %s::text, %s::text)::regclass AND i.indisunique"
        " AND i.indexrelid = (SELECT min(j.indexrelid) FROM pg_index j"
        "                     WHERE j.indrelid = i.indrelid AND j.indisunique)"
        " ORDER BY k.pos",
        (schema, name),
    ).fetchall()
    return [r[0] for r in rows]


def copy_raw(source_url: str, target_url: str) -> dict[str, int]:
    """Replace every raw.* table of the target with the source's rows; rows copied per table."""
    copied: dict[str, int] = {}
    with psycopg.connect(source_url) as src, psycopg.connect(target_url) as dst:
        for table in relations(src, "raw", "r"):
            names = [c for c, _ in columns(src, "raw", table)]
            ident = sql.Identifier("raw", table)
            cols = sql.SQL(", ").join(map(sql.Identifier, names))
            dst.execute(sql.SQL("TRUNCATE {}").format(ident))
            with (
                src.cursor().copy(
                    sql.SQL("COPY {} ({}) TO STDOUT (FORMAT BINARY)").format(ident, cols)
                ) as out,
                dst.cursor().copy(
                    sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(ident, cols)
                ) as into,
            ):
                for block in out:
                    into.write(block)
            (count,) = dst.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()
            copied[table] = count
        dst.commit()
    return copied


def _exprs(cols: list[tuple[str, str]], float_digits: int | None) -> sql.Composable:
    """The compared form of each column: numerics rounded to the cent; floats as they are, or
    rounded to ``float_digits`` decimals for the fingerprint."""
    exprs = []
    for c, t in cols:
        ident = sql.Identifier(c)
        if t.startswith("numeric"):
            exprs.append(sql.SQL("round({}, 2) AS {}").format(ident, ident))
        elif t in FLOAT_TYPES and float_digits is not None:
            exprs.append(
                sql.SQL("round({}::numeric, {}) AS {}").format(
                    ident, sql.Literal(float_digits), ident
                )
            )
        else:
            exprs.append(ident)
    return sql.SQL(", ").join(exprs)


def _shape(conn: psycopg.Connection, schema: str, name: str):
    cols = [(c, t) for c, t in columns(conn, schema, name) if c not in IGNORED_COLUMNS]
    key = unique_key(conn, schema, name) or [c for c, _ in cols]
    return cols, key


def _rows_of(schema: str, name: str, shop: str | None) -> sql.Composable:
    """The relation, or only the rows of one installation (``shop``)."""
    if shop is None:
        return sql.Identifier(schema, name)
    return sql.SQL("(SELECT * FROM {} WHERE shop = {}) AS s").format(
        sql.Identifier(schema, name), sql.Literal(shop)
    )


def _fingerprint(
    conn: psycopg.Connection, schema: str, name: str, shop: str | None = None
) -> tuple[int, str | None]:
    """Row count and md5 of every compared row in key order, computed by the server: the cheap
    first pass (a mart has up to a few hundred thousand rows)."""
    cols, key = _shape(conn, schema, name)
    query = sql.SQL(
        "SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY {})) FROM (SELECT {} FROM {}) t"
    ).format(
        sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in key),
        _exprs(cols, float_digits=6),
        _rows_of(schema, name, shop),
    )
    return conn.execute(query).fetchone()


def _select(
    conn: psycopg.Connection, schema: str, name: str, shop: str | None = None
) -> tuple[list[str], list[str], list[tuple], list[str]]:
    """(columns, key, rows ordered by key, float columns) of one relation."""
    cols, key = _shape(conn, schema, name)
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        _exprs(cols, float_digits=None),
        _rows_of(schema, name, shop),
        sql.SQL(", ").join(map(sql.Identifier, key)),
    )
    floats = [c for c, t in cols if t in FLOAT_TYPES]
    return [c for c, _ in cols], key, conn.execute(query).fetchall(), floats


def _same(a: object, b: object, is_float: bool) -> bool:
    if is_float and a is not None and b is not None:
        return abs(a - b) <= FLOAT_TOLERANCE * max(1.0, abs(a), abs(b))
    return a == b


@dataclass
class Difference:
    relation: str
    rows_a: int
    rows_b: int
    only_in_a: list  # keys
    only_in_b: list
    changed: list  # (key, column, value in A, value in B)

    def __str__(self) -> str:
        return (
            f"{self.relation}: {self.rows_a} rows incremental vs {self.rows_b} full;"
            f" keys only incremental {self.only_in_a[:5]} ({len(self.only_in_a)}),"
            f" only full {self.only_in_b[:5]} ({len(self.only_in_b)});"
            f" {len(self.changed)} values differ, e.g. {self.changed[:5]}"
        )


def compare(
    url_a: str,
    url_b: str,
    schema: str,
    names: Iterable[str] | None = None,
    kind: str = "mrv",
    shop_in_a: str | None = None,
) -> tuple[list[str], list[Difference]]:
    """Compare every relation of ``schema`` (tables, materialized views and views by default)
    between A and B:
    same keys, same values (numerics rounded to the cent, floats within a relative 1e-9),
    same row counts. With ``shop_in_a``, only A's rows of that installation are compared with
    the whole of B (B holds that one shop). Returns the relations compared and the differences
    found."""
    diffs: list[Difference] = []
    with psycopg.connect(url_a) as a, psycopg.connect(url_b) as b:
        compared = list(names) if names is not None else relations(a, schema, kind)
        assert compared == relations(b, schema, kind) or names is not None, (
            f"{schema}: relations differ: {compared} vs {relations(b, schema, kind)}"
        )
        for name in compared:
            if _fingerprint(a, schema, name, shop_in_a) == _fingerprint(b, schema, name):
                continue
            cols_a, key, rows_a, floats = _select(a, schema, name, shop_in_a)
            cols_b, _, rows_b, _ = _select(b, schema, name)
            assert cols_a == cols_b, f"{schema}.{name}: columns differ: {cols_a} vs {cols_b}"
            positions = [cols_a.index(k) for k in key]
            by_key_a = {tuple(r[p] for p in positions): r for r in rows_a}
            by_key_b = {tuple(r[p] for p in positions): r for r in rows_b}
            float_cols = {cols_a.index(c) for c in floats}
            changed = [
                (k, cols_a[i], row[i], by_key_b[k][i])
                for k, row in by_key_a.items()
                if k in by_key_b
                for i in range(len(cols_a))
                if not _same(row[i], by_key_b[k][i], i in float_cols)
            ]
            only_a = sorted(set(by_key_a) - set(by_key_b), key=repr)
            only_b = sorted(set(by_key_b) - set(by_key_a), key=repr)
            # Duplicate keys would hide rows in the dicts: the counts catch them.
            if only_a or only_b or changed or len(rows_a) != len(rows_b):
                diffs.append(
                    Difference(
                        f"{schema}.{name}", len(rows_a), len(rows_b), only_a, only_b, changed
                    )
                )
    return compared, diffs
