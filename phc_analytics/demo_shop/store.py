"""The shop file: one SQLite database in WAL mode, shared by generator, advance and servers.

Each resource is a table holding every record's pre-rendered JSON (full display, list form,
exactly the bytes the server sends) next to the few real columns the server filters and sorts
on an index. Separate processes see each other's committed writes, so a running server serves
what ``advance`` wrote without a restart.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from phc_analytics.demo_shop.model import RESOURCES, Resource
from phc_analytics.demo_shop.query import ListQuery, limit_sql

SCHEMA_VERSION = "4"  # 2: order_slip, order_payments, stock_availables; 3: carts, vouchers;
# 4: old carts purged as pscleaner does


def php_json(value: object) -> str:
    """``json_encode($v, JSON_UNESCAPED_UNICODE)``: raw UTF-8, and ``/`` escaped as ``\\/``.

    orjson writes what ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` does
    for the strings, ints, lists, dicts and nulls records hold, several times faster."""
    return orjson.dumps(value).decode().replace("/", "\\/")


def connect(
    path: str | Path, *, as_bytes: bool = False, page_size: int | None = None
) -> sqlite3.Connection:
    """``page_size`` only takes effect on a new, empty file (before WAL mode writes its
    header); the generator uses it, everyone else reads the size from the file."""
    conn = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
    if page_size:
        conn.execute(f"PRAGMA page_size={int(page_size)}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=60000")
    if as_bytes:
        conn.text_factory = bytes
    return conn


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the shop file (``BEGIN IMMEDIATE``: a running server keeps
    reading the last committed state); committed when the block ends, rolled back if it
    raises."""
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _column_type(name: str) -> str:
    return "TEXT" if name.startswith("date_") else "INTEGER"


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for res in RESOURCES.values():
        cols = "".join(f", {c} {_column_type(c)}" for c in res.indexed)
        conn.execute(f"CREATE TABLE {res.name} (id INTEGER PRIMARY KEY{cols}, json TEXT NOT NULL)")
    # Order state changes planned for after the shop clock; advance applies them when due.
    conn.execute(
        "CREATE TABLE pending (id_order INTEGER NOT NULL, at TEXT NOT NULL, "
        "id_order_state INTEGER NOT NULL, id_employee INTEGER NOT NULL)"
    )
    conn.execute("CREATE TABLE product_popularity (id INTEGER PRIMARY KEY, weight REAL NOT NULL)")


def create_indexes(conn: sqlite3.Connection) -> None:
    """Built after the bulk load, which is faster than maintaining them row by row."""
    for res in RESOURCES.values():
        for col in res.indexed:
            conn.execute(f"CREATE INDEX IF NOT EXISTS ix_{res.name}_{col} ON {res.name} ({col})")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_pending_at ON pending (at)")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_pending_order ON pending (id_order)")


def insert_sql(res: Resource, replace: bool = False) -> str:
    cols = ["id", *res.indexed, "json"]
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return f"{verb} INTO {res.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"


def row_for(res: Resource, record: dict) -> tuple:
    """The table row of one record dict: id, its indexed columns, its JSON."""
    values = [record["id"]]
    for col in res.indexed:
        v = record[col]
        values.append(v if col.startswith("date_") else int(v or 0))
    values.append(php_json(record))
    return tuple(values)


def write_records(conn: sqlite3.Connection, res: Resource, records: Iterable[dict], replace=False):
    conn.executemany(insert_sql(res, replace), (row_for(res, r) for r in records))


def set_meta(conn: sqlite3.Connection, values: dict[str, object]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        [(k, str(v)) for k, v in values.items()],
    )


def get_meta(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute("SELECT key, value FROM meta").fetchall()
    return {_text(k): _text(v) for k, v in rows}


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def load(conn: sqlite3.Connection, res: Resource, record_id: int) -> dict | None:
    row = conn.execute(f"SELECT json FROM {res.name} WHERE id = ?", (record_id,)).fetchone()
    return json.loads(row[0]) if row else None


def fetch_one(conn: sqlite3.Connection, res: Resource, record_id: int):
    """The stored JSON of one record, or None."""
    row = conn.execute(f"SELECT json FROM {res.name} WHERE id = ?", (record_id,)).fetchone()
    return row[0] if row else None


def fetch_list(conn: sqlite3.Connection, res: Resource, q: ListQuery, ids_only: bool) -> list:
    """Matching ids (ints) or stored JSON values, in SQL order; [] for swallowed SQL errors."""
    if q.always_empty:
        return []
    columns = "id" if ids_only else "json"
    join = ""
    if q.shop_values is not None:
        resource, shop = q.shop_values
        columns += "" if ids_only else ", sv.overrides"
        join = (
            f" JOIN shop_values AS sv ON sv.resource = '{resource}' AND sv.record_id = main.id"
            f" AND sv.id_shop = {int(shop)}"
        )
    sql = f"SELECT {columns} FROM {res.name} AS main{join}"
    if q.where:
        sql += " WHERE " + " AND ".join(f"({w})" for w in q.where)
    # Without sort PrestaShop adds no ORDER BY and InnoDB returns primary-key order.
    sql += " ORDER BY " + ", ".join(q.order_by or ["id"])
    sql += limit_sql(q.limit)
    try:
        if q.shop_values is not None and not ids_only:
            return [with_overrides(r[0], r[1]) for r in conn.execute(sql, q.params)]
        return [r[0] for r in conn.execute(sql, q.params)]
    except sqlite3.OperationalError:
        return []


def with_overrides(raw, overrides) -> bytes | str:
    """A record with one shop's values of its multishop fields (``{table}_shop``)."""
    if overrides in (b"{}", "{}"):
        return raw
    record = json.loads(raw)
    record.update(json.loads(overrides))
    text = php_json(record)
    return text.encode() if isinstance(raw, bytes) else text
