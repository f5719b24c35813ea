"""Migration 022 on a warehouse of the single-shop layout (issue 17): every row becomes shop
``default`` in place, and the next sync goes on from the old watermarks with no re-sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from phc_analytics import settings
from phc_analytics.ingestion.sweep import sweep_entity
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.support.shop import sync_from_shop

pytestmark = pytest.mark.server

SHOP_COLUMN = 22  # the migration that adds raw.*.shop
# What the single-shop code wrote, column for column (migration 021's raw tables).
RAW_COLUMNS = (
    "id, payload_hash, cursor_value, payload, first_seen_at, last_seen_at, run_id, load_xid,"
    " removed_at"
)
BOOK_KEEPING = {
    "staging.etl_watermarks": "entity, cursor_field, cursor_value, updated_at, run_id",
    "staging.etl_sweeps": (
        "entity, started_at, finished_at, listed_ids, removed_ids, reappeared_ids, requests,"
        " run_id, orders_xid_checked"
    ),
    "staging.erasure_log": "customer_id, erased_at, reason, tables, run_id",
}


def _copy_rows(source: psycopg.Connection, target: psycopg.Connection, table: str, columns: str):
    """Stream ``columns`` of ``table`` from one database to the other (COPY out, COPY in)."""
    cols = sql.SQL(columns)
    name = sql.SQL(table)
    if table == "staging.etl_watermarks":
        target.execute("DELETE FROM staging.etl_watermarks")
    with source.cursor().copy(
        sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(cols, name)
    ) as out, target.cursor().copy(
        sql.SQL("COPY {} ({}) FROM STDIN").format(name, cols)
    ) as into:  # fmt: skip
        for chunk in out:
            into.write(chunk)


def _fingerprint(conn: psycopg.Connection, table: str, columns: str) -> tuple[int, str]:
    """Row count and an order-independent hash of ``columns`` over every row."""
    return conn.execute(
        sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))),'')"
            " FROM (SELECT {} FROM {}) AS t"
        ).format(sql.SQL(columns), sql.SQL(table))
    ).fetchone()


def _marks(conn: psycopg.Connection) -> dict[str, tuple]:
    """entity -> (cursor field, cursor value, run id, then: the shop after the migration, or
    before it whether raw holds rows of the resource)."""
    has_shop = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'staging'"
        " AND table_name = 'etl_watermarks' AND column_name = 'shop')"
    ).fetchone()[0]
    marks = {}
    for entity, field, value, run_id, *shop in conn.execute(
        "SELECT entity, cursor_field, cursor_value, run_id"
        + (", shop" if has_shop else "")
        + " FROM staging.etl_watermarks"
    ).fetchall():
        if has_shop:
            marks[entity] = (field, value, run_id, shop[0])
        else:
            held = conn.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier("raw", entity))
            ).fetchone()[0]
            marks[entity] = (field, value, run_id, held)
    return marks


def test_a_single_shop_warehouse_becomes_shop_default_and_syncs_on_without_a_resync(
    shop_server, client, migrated_database, empty_database, tmp_path: Path
):
    # The rows the single-shop code writes: a full sync and a sweep of the demo shop, by the
    # pipeline's own functions, into a warehouse of the current layout...
    sync_from_shop(shop_server, migrated_database)
    with psycopg.connect(migrated_database) as conn:
        sweep_entity(client, conn, BY_NAME["customers"], run_id="before")
        conn.execute(
            "INSERT INTO staging.erasure_log (customer_id, reason, tables, run_id)"
            " VALUES (7, 'removed from the shop', '{}', 'before')"
        )
        conn.commit()
    # ...copied column for column into a warehouse migrated only up to the layout before.
    before = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir(), before)
    for path in before.glob("*.sql"):
        if int(path.name.split("_")[0]) >= SHOP_COLUMN:
            path.unlink()
    apply_migrations(empty_database, before)
    tables = {f"raw.{e.name}": RAW_COLUMNS for e in ENTITIES} | BOOK_KEEPING
    with psycopg.connect(migrated_database) as source, psycopg.connect(empty_database) as old:
        assert (
            old.execute(
                "SELECT count(*) FROM information_schema.columns WHERE column_name = 'shop'"
                " AND table_schema IN ('raw', 'staging')"
            ).fetchone()[0]
            == 0
        )
        for table, columns in tables.items():
            _copy_rows(source, old, table, columns)
        # Something else an operator may have put in raw: a backup without the raw layout.
        old.execute("CREATE TABLE raw.orders_backup AS SELECT * FROM raw.orders LIMIT 10")
        old.commit()
        fingerprints = {t: _fingerprint(old, t, c) for t, c in tables.items()}
        marks_before = _marks(old)
    assert fingerprints["raw.orders"][0] == 1500

    apply_migrations(empty_database, settings.migrations_dir())

    with psycopg.connect(empty_database) as conn:
        for table, columns in tables.items():
            if table == "staging.etl_watermarks":
                continue
            assert _fingerprint(conn, table, columns) == fingerprints[table], table
            shops = conn.execute(sql.SQL("SELECT DISTINCT shop FROM {}").format(sql.SQL(table)))
            assert {s for (s,) in shops} <= {"default"}, table
        # The watermarks of every resource raw holds rows of are kept as they were; the rows the
        # earlier migrations seeded for resources never loaded are gone (a shop's watermark rows
        # now come with its first write).
        marks_after = _marks(conn)
        held = {entity: mark for entity, mark in marks_before.items() if mark[-1]}
        assert marks_after == {entity: (*mark[:-1], "default") for entity, mark in held.items()}
        assert len(held) >= 15
        assert conn.execute("SELECT count(*) FROM raw.orders_backup").fetchone()[0] == 10
        keys = conn.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'p' AND connamespace = 'raw'::regnamespace"
        ).fetchall()
        assert len(keys) == len(ENTITIES)
        assert {d for _, d in keys} == {"PRIMARY KEY (id, shop, payload_hash)"}
    # The next sync of the same shop reads from the old watermarks: nothing new to write.
    read = 0
    with psycopg.connect(empty_database) as conn:
        for entity in ENTITIES:
            stats = sync_entity(client, conn, entity, SyncRequest.everything())
            read += stats.rows_read if entity.name == "orders" else 0
            assert stats.new_versions == 0, entity.name
            if entity.incremental:
                assert stats.watermark_before.year > 1970, entity.name
                # Read from the old watermark, not from 1970.
                assert stats.read_from in (None, stats.watermark_before), entity.name
    assert read < 100  # orders: the few at the watermark, not the 1,500
