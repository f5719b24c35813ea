"""Writing source versions into ``raw.*`` and moving watermarks, in one transaction.

A batch of pages is streamed with COPY into a temporary table, then merged with one
``INSERT ... ON CONFLICT (id, shop, payload_hash)``: a version seen before only gets its
``last_seen_at`` touched, a new one is added. The watermark update, when the batch completes a
window, runs in the same transaction, so a crash can never leave it ahead of the rows.

Every row and watermark names its shop (the installation, ``shop`` in the shops file): ids are
unique within a shop only, and each shop is read from its own watermark.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg
from psycopg import sql

from phc_analytics.errors import PhcError
from phc_analytics.prestashop.entities import Entity
from phc_analytics.prestashop.parsing import parse_shop_datetime
from phc_analytics.shops_file import DEFAULT_SHOP

EPOCH = datetime(1970, 1, 1)


@dataclass
class BatchResult:
    rows: int = 0
    new_versions: int = 0

    @property
    def unchanged(self) -> int:
        return self.rows - self.new_versions


CopyRow = tuple[int, datetime | None, str]


def to_copy_rows(entity: Entity, records: Iterable[dict]) -> tuple[list[CopyRow], int]:
    """(id, cursor value, payload text) per record, and how many records had no integer id.

    A record without an id cannot be keyed, so it cannot be stored as a version; the caller
    reports the count instead of dropping it silently.
    """
    rows: list[CopyRow] = []
    rejected = 0
    for record in records:
        try:
            record_id = int(record["id"])
        except (KeyError, TypeError, ValueError):
            rejected += 1
            continue
        cursor = parse_shop_datetime(record.get(entity.cursor)) if entity.cursor else None
        rows.append((record_id, cursor, orjson.dumps(record).decode()))
    return rows, rejected


def needs_analyze(new_versions: int, reltuples: float) -> bool:
    """Whether a sync that wrote ``new_versions`` rows should ANALYZE the table (``reltuples``:
    pg_class's estimate, -1 when never analyzed).

    Autovacuum analyzes a table once a tenth of it changed, but up to a minute later, and
    ``phc-analytics run`` builds staging right after the sync: an initial sync left raw.orders
    without statistics, and the planner, guessing 200 orders for 100k, chose a nested loop
    whose stg_orders query had not finished after ten minutes (33 s with statistics). The
    threshold is autovacuum's own (50 rows + 10 %), so this only brings its ANALYZE forward."""
    if new_versions <= 0:
        return False
    if reltuples < 0:
        return True
    return new_versions >= 50 + 0.1 * reltuples


class RawStore:
    """Writes for one entity of one shop over one connection (not thread-safe: one writer per
    sync)."""

    def __init__(
        self,
        conn: psycopg.Connection,
        entity: Entity,
        run_id: str | None,
        shop: str = DEFAULT_SHOP,
    ):
        self.conn = conn
        self.entity = entity
        self.run_id = run_id
        self.shop = shop
        self._claimed = False  # whether the shop's watermark row is known to exist
        self.table = sql.Identifier("raw", entity.name)
        self._staging = sql.Identifier(f"incoming_{entity.name}")
        conn.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} (id bigint, cursor_value timestamp,"
                " payload jsonb) ON COMMIT DELETE ROWS"
            ).format(self._staging)
        )
        conn.commit()

    def lock(self, wait_s: float) -> None:
        """Serialize syncs of one entity of one shop across processes (session-level advisory
        lock); other shops sync the same entity side by side."""
        key = zlib.crc32(f"phc_analytics.sync.{self.shop}.{self.entity.name}".encode())
        self.conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(wait_s)}s")))
        try:
            self.conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        except psycopg.errors.LockNotAvailable:
            self.conn.rollback()
            raise PhcError(
                f"another sync of {self.entity.name} of shop {self.shop} has held the lock for"
                f" over {wait_s:.0f} s; it is still running, so this one stops (nothing was"
                " written)"
            ) from None
        finally:
            self.conn.execute("SET lock_timeout = 0")
            self.conn.commit()

    def watermark(self) -> datetime:
        """The shop's watermark for the entity: the epoch before its first write."""
        row = self.conn.execute(
            "SELECT cursor_value FROM staging.etl_watermarks WHERE shop = %s AND entity = %s",
            (self.shop, self.entity.name),
        ).fetchone()
        self.conn.commit()
        return row[0] if row else EPOCH

    def write(
        self,
        rows: list[CopyRow],
        advance_watermark_to: datetime | None = None,
    ) -> BatchResult:
        """Merge ``rows`` and optionally move the watermark forward, atomically."""
        result = BatchResult(rows=len(rows))
        with self.conn.transaction():
            if not self._claimed:
                # The shop's watermark row, created with its first rows: it marks the shop as
                # held by this warehouse and gives the updates below a row.
                self.conn.execute(
                    "INSERT INTO staging.etl_watermarks (shop, entity, cursor_field)"
                    " VALUES (%s, %s, %s) ON CONFLICT (shop, entity) DO NOTHING",
                    (self.shop, self.entity.name, self.entity.cursor or "full_refresh"),
                )
            if rows:
                with self.conn.cursor() as cur:
                    copy_sql = sql.SQL("COPY {} (id, cursor_value, payload) FROM STDIN").format(
                        self._staging
                    )
                    with cur.copy(copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(
                        sql.SQL(
                            """
                            WITH merged AS (
                                INSERT INTO {table} AS r
                                    (id, shop, payload_hash, cursor_value, payload, run_id)
                                SELECT DISTINCT ON (id, payload_hash)
                                       id, %(shop)s, payload_hash, cursor_value, payload,
                                       %(run_id)s
                                FROM (SELECT id, md5(payload::text) AS payload_hash,
                                             cursor_value, payload
                                      FROM {staging}) incoming
                                ORDER BY id, payload_hash
                                ON CONFLICT (id, shop, payload_hash)
                                DO UPDATE SET last_seen_at = now()
                                RETURNING (r.xmax = 0) AS inserted
                            )
                            SELECT count(*) FILTER (WHERE inserted) FROM merged
                            """
                        ).format(table=self.table, staging=self._staging),
                        {"run_id": self.run_id, "shop": self.shop},
                    )
                    result.new_versions = cur.fetchone()[0]
            if advance_watermark_to is not None:
                self._advance(advance_watermark_to)
            else:
                self._touch()
        self._claimed = True
        return result

    def analyze_if_grown(self, new_versions: int) -> bool:
        """ANALYZE the raw table when this sync grew it enough to change the plans of the
        staging build that follows (see ``needs_analyze``); True when it did."""
        if new_versions <= 0:
            return False
        reltuples = self.conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            (f"raw.{self.entity.name}",),
        ).fetchone()[0]
        self.conn.commit()
        if not needs_analyze(new_versions, reltuples):
            return False
        self.conn.execute(sql.SQL("ANALYZE {}").format(self.table))
        self.conn.commit()
        return True

    def _advance(self, value: datetime) -> None:
        self.conn.execute(
            """
            UPDATE staging.etl_watermarks
               SET cursor_value = GREATEST(cursor_value, %s), updated_at = now(), run_id = %s
             WHERE shop = %s AND entity = %s
            """,
            (value, self.run_id, self.shop, self.entity.name),
        )

    def _touch(self) -> None:
        if not self.entity.incremental:
            self.conn.execute(
                "UPDATE staging.etl_watermarks SET updated_at = now(), run_id = %s"
                " WHERE shop = %s AND entity = %s",
                (self.run_id, self.shop, self.entity.name),
            )
