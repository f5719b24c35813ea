"""The delete sweep: find the records the shop no longer has, and tombstone them in raw.

An incremental read by ``date_upd`` never sees a record that is gone. The sweep lists every id
the shop has, in ``filter[id]`` windows of the bare list (PrestaShop builds no object for it),
and compares the list with raw:

- an id raw holds and the shop no longer lists gets a tombstone: one more version, the last
  payload seen plus ``_phc_removed_at``, with ``removed_at`` set. Staging marks it removed;
- an id whose latest version is a tombstone and that the shop lists again (a restored backup)
  gets its last payload back as a new version, marked ``_phc_reappeared_at``;
- an id the shop lists and raw has never received is fetched and stored: a record whose cursor
  fell behind the watermark (a payment the back office back-dated) is not lost.

Everything a sweep writes carries the run id ``<run>/sweep``, apart from the sync's own rows:
the raw checks of the run judge what its sync read, not these.

A partial list must never mark anything removed. Every window is read whole (no ``limit``, so a
short answer cannot pass for the end), an id outside its window fails the sweep, and every
request must succeed (after the client's retries) before anything is written; the writes are
one transaction. A sweep that would remove more than a share of the live ids stops instead:
that is a shop answering wrongly far more often than a shop deleting a fifth of its customers.
"""

from __future__ import annotations

import time
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import psycopg
from psycopg import sql

from phc_analytics.errors import PhcError
from phc_analytics.ingestion.raw_store import RawStore
from phc_analytics.ingestion.sync import LOCK_WAIT_S
from phc_analytics.prestashop.client import SHOP_RESTRICTED, PrestaShopClient
from phc_analytics.prestashop.entities import Entity
from phc_analytics.shops_file import DEFAULT_SHOP

# Ids per request. PrestaShop builds an empty object per listed id; 20k of them stay far below
# a default PHP memory_limit, and a million orders take 50 requests.
WINDOW_IDS = 20_000
# A sweep may remove at most this share of the live ids, or this many, whichever is more.
MAX_REMOVED_SHARE = 0.2
MAX_REMOVED_ALWAYS_ALLOWED = 100

# The run tag that asks the raw assets to sweep after their sync: "always" (`sync --sweep`, the
# nightly re-read), or "if_due" (the delete_sweep schedule), which skips a resource whose last
# sweep started less than SWEEP_GAP_MINUTES ago: by default the schedule fires 15 minutes after
# the nightly re-read, and sweeps only what that run did not. Under an hour, so an hourly cron
# sweeps every hour.
SWEEP_TAG = "phc/sweep"
SWEEP_ALWAYS = "always"
SWEEP_IF_DUE = "if_due"
SWEEP_GAP_MINUTES = 50

REMOVED_MARK = "_phc_removed_at"
REAPPEARED_MARK = "_phc_reappeared_at"


class SweepRefused(PhcError):
    """The sweep stopped before writing anything."""


@dataclass
class SweepStats:
    entity: str
    listed_ids: int = 0
    raw_ids: int = 0
    removed: int = 0
    reappeared: int = 0
    fetched: int = 0  # listed by the shop, never received: read and stored
    never_seen: int = 0  # customers: named by orders, deleted before raw ever received them
    windows: int = 0
    requests: int = 0
    seconds: float = 0.0

    def as_metadata(self) -> dict:
        data = {f"sweep_{k}": v for k, v in asdict(self).items() if k != "entity"}
        data["sweep_seconds"] = round(self.seconds, 3)
        return data


def id_windows(top: int, size: int = WINDOW_IDS) -> list[tuple[int, int]]:
    """``[low, high]`` windows covering ids 1..top (none when top < 1)."""
    return [(low, min(low + size - 1, top)) for low in range(1, top + 1, size)]


def removal_allowed(
    removed: int,
    live: int,
    share: float = MAX_REMOVED_SHARE,
    always_allowed: int = MAX_REMOVED_ALWAYS_ALLOWED,
) -> bool:
    """Whether a sweep may tombstone ``removed`` of ``live`` ids in one go."""
    return removed <= max(always_allowed, share * live)


def sweep_due(
    conn: psycopg.Connection,
    entity: Entity,
    gap_minutes: float = SWEEP_GAP_MINUTES,
    shop: str = DEFAULT_SHOP,
) -> bool:
    """Whether no sweep of ``entity`` of ``shop`` started in the last ``gap_minutes``."""
    recent = conn.execute(
        "SELECT 1 FROM staging.etl_sweeps WHERE shop = %s AND entity = %s"
        " AND started_at > now() - make_interval(secs => %s) LIMIT 1",
        (shop, entity.name, gap_minutes * 60),
    ).fetchone()
    conn.commit()
    return recent is None


def list_all_ids(
    client: PrestaShopClient, entity: Entity, top: int, concurrency: int, size: int = WINDOW_IDS
) -> tuple[array, int]:
    """Every id the shop lists up to ``top``, and how many windows that took. Raises on any
    failed request or any id outside its window: the list is whole or there is none."""
    windows = id_windows(top, size)

    def read(window: tuple[int, int]) -> list[int]:
        ids = client.list_ids(entity, *window)
        stray = [i for i in ids if not window[0] <= i <= window[1]]
        if stray:
            raise SweepRefused(
                f"the shop answered ids outside the requested range {list(window)} for"
                f" {entity.name} (e.g. {stray[0]}): it ignores filter[id], so no delete sweep"
                " can trust its lists; nothing was marked removed"
            )
        return ids

    listed = array("q")
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ps-sweep") as pool:
        for ids in pool.map(read, windows):
            listed.extend(ids)
    return listed, len(windows)


def sweep_entity(
    client: PrestaShopClient,
    conn: psycopg.Connection,
    entity: Entity,
    run_id: str | None = None,
    concurrency: int = 4,
    window_ids: int = WINDOW_IDS,
    max_removed_share: float = MAX_REMOVED_SHARE,
    always_allowed: int = MAX_REMOVED_ALWAYS_ALLOWED,
    shop: str = DEFAULT_SHOP,
) -> SweepStats:
    """List every id of ``entity`` in the shop and tombstone the ones raw holds for that shop
    (the installation ``shop``: other shops' rows are never read) that it no longer lists;
    holds the entity's sync lock, so no sync of it runs meanwhile. An entity's own
    ``sweep_max_removed_share`` (carts: a purge is normal) wins over ``max_removed_share``."""
    max_removed_share = entity.sweep_max_removed_share or max_removed_share
    started = time.monotonic()
    requests_before = client.requests
    stats = SweepStats(entity=entity.name)
    table = sql.Identifier("raw", entity.name)
    run_id = f"{run_id}/sweep" if run_id else "sweep"
    store = RawStore(conn, entity, run_id, shop)
    store.lock(LOCK_WAIT_S)
    try:
        started_at = conn.execute("SELECT now()").fetchone()[0]
        raw_top = conn.execute(
            sql.SQL("SELECT max(id) FROM {} WHERE shop = %s").format(table), (shop,)
        ).fetchone()[0]
        conn.commit()
        top = max(raw_top or 0, client.max_id(entity) or 0)
        listed, stats.windows = list_all_ids(client, entity, top, concurrency, window_ids)
        stats.listed_ids = len(listed)
        unknown = _store_listed(conn, table, listed, shop)
        stats.fetched = _fetch_unknown(client, store, entity, unknown)
        covered = client.covered_stores() if entity.name in SHOP_RESTRICTED else None
        limits = (max_removed_share, always_allowed)
        with conn.transaction():
            _write(conn, table, entity, stats, run_id, limits, shop, covered)
            orders_mark = None
            if entity.name == "customers":
                stats.never_seen, orders_mark = _customers_never_seen(conn, run_id, shop)
            conn.execute(
                "INSERT INTO staging.etl_sweeps (shop, entity, started_at, listed_ids,"
                " removed_ids, reappeared_ids, requests, run_id, orders_xid_checked)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    shop,
                    entity.name,
                    started_at,
                    stats.listed_ids,
                    stats.removed,
                    stats.reappeared,
                    client.requests - requests_before,
                    run_id,
                    orders_mark,
                ),
            )
    finally:
        conn.rollback()
        conn.execute("DROP TABLE IF EXISTS sweep_listed")
        conn.execute("SELECT pg_advisory_unlock_all()")
        conn.commit()
    stats.requests = client.requests - requests_before
    stats.seconds = time.monotonic() - started
    return stats


# The latest version of each id of {ids} (a table with an id column) in the shop, as staging
# chooses it.
_LATEST = """
    SELECT DISTINCT ON (v.id) v.id, v.payload, v.cursor_value, v.removed_at
    FROM {table} AS v JOIN {ids} AS i ON i.id = v.id
    WHERE v.shop = %(shop)s
    ORDER BY v.id, v.cursor_value DESC NULLS LAST, v.first_seen_at DESC, v.load_xid DESC
"""

# A new version of each chosen id: its latest payload without our marks, plus {mark}.
_NEW_VERSIONS = """
    INSERT INTO {table} AS r (id, shop, payload_hash, cursor_value, payload, run_id, removed_at)
    SELECT id, %(shop)s, md5(p::text), cursor_value, p, %(run_id)s, {removed_at}
    FROM (
        SELECT id, cursor_value,
               (payload - '_phc_removed_at' - '_phc_reappeared_at')
               || jsonb_build_object({mark}, to_char(now() AT TIME ZONE 'UTC',
                                                     'YYYY-MM-DD HH24:MI:SS')) AS p
        FROM sweep_latest WHERE {which}
    ) AS s
    ON CONFLICT (id, shop, payload_hash) DO NOTHING
"""


FETCH_IDS_PER_REQUEST = 100  # filter[id]=[a|b|...]: keeps the URL short


def _store_listed(conn, table, listed: array, shop: str) -> list[int]:
    """Put the listed ids in a temporary table (kept until the sweep ends); return the ones
    raw has never received."""
    with conn.transaction():
        conn.execute("DROP TABLE IF EXISTS sweep_listed")
        conn.execute("CREATE TEMP TABLE sweep_listed (id bigint PRIMARY KEY)")
        with conn.cursor().copy("COPY sweep_listed (id) FROM STDIN") as copy:
            for record_id in listed:
                copy.write_row((record_id,))
        conn.execute("ANALYZE sweep_listed")
        rows = conn.execute(
            sql.SQL(
                "SELECT l.id FROM sweep_listed AS l WHERE NOT EXISTS"
                " (SELECT 1 FROM {} AS r WHERE r.id = l.id AND r.shop = %s) ORDER BY l.id"
            ).format(table),
            (shop,),
        ).fetchall()
    return [row[0] for row in rows]


def _fetch_unknown(client: PrestaShopClient, store: RawStore, entity: Entity, ids: list[int]):
    """Read the records the shop lists and raw lacks, and store them (the watermark stays)."""
    from phc_analytics.ingestion.raw_store import to_copy_rows

    stored = 0
    for start in range(0, len(ids), FETCH_IDS_PER_REQUEST):
        chunk = ids[start : start + FETCH_IDS_PER_REQUEST]
        wanted = f"[{'|'.join(map(str, chunk))}]" if len(chunk) > 1 else f"[{chunk[0]}]"
        records = client.get(entity.name, {"display": "full", "filter[id]": wanted},
                             entity.list_key)  # fmt: skip
        rows, _rejected = to_copy_rows(entity, records)
        stored += store.write(rows).rows
    return stored


# In a multistore shop, the records of a store its lists do not cover (an inactive store:
# id_shop=all leaves it out) are neither removed nor back: the sweep cannot see them.
_UNCOVERED = """
    DELETE FROM sweep_latest
    WHERE payload ->> 'id_shop' ~ '^[0-9]+$'
      AND NOT ((payload ->> 'id_shop')::int = ANY(%(stores)s)
               OR ((payload ->> 'id_shop')::int = 0
                   AND coalesce(payload ->> 'id_shop_group', '') ~ '^[0-9]+$'
                   AND (payload ->> 'id_shop_group')::int = ANY(%(groups)s)))
"""


def _write(conn, table, entity: Entity, stats, run_id, limits, shop, covered=None) -> None:
    # Ids raw holds for the shop that it did not list, and ids whose latest version is a
    # tombstone (few: only those ever removed), each with its latest version.
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE sweep_changed ON COMMIT DROP AS"
            " SELECT r.id FROM (SELECT DISTINCT id FROM {table} WHERE shop = %(shop)s) AS r"
            " WHERE NOT EXISTS (SELECT 1 FROM sweep_listed AS l WHERE l.id = r.id)"
            " UNION SELECT id FROM {table} WHERE removed_at IS NOT NULL AND shop = %(shop)s"
        ).format(table=table),
        {"shop": shop},
    )
    conn.execute(
        sql.SQL("CREATE TEMP TABLE sweep_latest ON COMMIT DROP AS " + _LATEST).format(
            table=table, ids=sql.Identifier("sweep_changed")
        ),
        {"shop": shop},
    )
    if covered is not None:
        stores, groups = covered
        conn.execute(_UNCOVERED, {"stores": sorted(stores), "groups": sorted(groups)})
    removed, reappeared, tombstoned, raw_ids = conn.execute(
        sql.SQL(
            "SELECT count(*) FILTER (WHERE removed_at IS NULL AND NOT listed),"
            " count(*) FILTER (WHERE removed_at IS NOT NULL AND listed),"
            " count(*) FILTER (WHERE removed_at IS NOT NULL),"
            " (SELECT count(DISTINCT id) FROM {table} WHERE shop = %(shop)s)"
            " FROM (SELECT s.removed_at,"
            "       EXISTS (SELECT 1 FROM sweep_listed AS l WHERE l.id = s.id) AS listed"
            "       FROM sweep_latest AS s) AS x"
        ).format(table=table),
        {"shop": shop},
    ).fetchone()
    stats.raw_ids = raw_ids
    live = raw_ids - tombstoned
    max_share, always_allowed = limits
    if not removal_allowed(removed, live, max_share, always_allowed):
        raise SweepRefused(
            f"the shop no longer lists {removed} of {live} {entity.name} ids the warehouse"
            f" holds (more than {max_share:.0%}); a shop rarely deletes that much at once, so"
            " nothing was marked removed. If it really did, raise PHC_SWEEP_MAX_REMOVED_SHARE"
            " for one sweep"
        )
    listed_sql = "EXISTS (SELECT 1 FROM sweep_listed AS l WHERE l.id = sweep_latest.id)"
    for mark, removed_at, which in (
        (REMOVED_MARK, "now() AT TIME ZONE 'UTC'", f"removed_at IS NULL AND NOT {listed_sql}"),
        (REAPPEARED_MARK, "NULL", f"removed_at IS NOT NULL AND {listed_sql}"),
    ):
        conn.execute(
            sql.SQL(_NEW_VERSIONS).format(
                table=table,
                mark=sql.Literal(mark),
                removed_at=sql.SQL(removed_at),
                which=sql.SQL(which),
            ),
            {"run_id": run_id, "shop": shop},
        )
    stats.removed, stats.reappeared = removed, reappeared


# Customers that orders name but raw never received and the shop no longer lists: deleted
# before the warehouse's first sync. Each gets a tombstone with no personal data, so their
# orders are staged (an order naming a customer raw lacks waits in quarantine for it) and count
# in revenue like any deleted customer's. Only the order versions loaded since the last customers
# sweep are read (by load_xid): after a sweep, every customer an order read so far names is in
# raw, listed and fetched, or a placeholder.
_NEVER_SEEN = """
    INSERT INTO raw.customers
        (id, shop, payload_hash, cursor_value, payload, run_id, removed_at)
    SELECT id, %(shop)s, md5(p::text), NULL, p, %(run_id)s, now() AT TIME ZONE 'UTC'
    FROM (
        SELECT c.id, jsonb_build_object(
                   'id', c.id::text, 'email', '', 'firstname', '', 'lastname', '',
                   'is_guest', '0', 'active', '0', 'deleted', '0',
                   'date_add', '0000-00-00 00:00:00', 'date_upd', '0000-00-00 00:00:00',
                   '_phc_never_seen', true,
                   '_phc_removed_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
               ) AS p
        FROM (
            SELECT DISTINCT (payload ->> 'id_customer')::bigint AS id
            FROM raw.orders
            WHERE load_xid >= %(since)s AND shop = %(shop)s
              AND (payload ->> 'id_customer') ~ '^[0-9]{1,18}$'
        ) AS c
        WHERE c.id > 0
          AND NOT EXISTS (SELECT 1 FROM raw.customers AS r WHERE r.id = c.id AND r.shop = %(shop)s)
          AND NOT EXISTS (SELECT 1 FROM sweep_listed AS l WHERE l.id = c.id)
    ) AS placeholders
    ON CONFLICT (id, shop, payload_hash) DO NOTHING
"""


def _customers_never_seen(conn, run_id, shop) -> tuple[int, int]:
    """Write the placeholders; return how many, and the load_xid mark read up to."""
    since, mark = conn.execute(
        "SELECT (SELECT coalesce(max(orders_xid_checked), 0) FROM staging.etl_sweeps"
        "        WHERE entity = 'customers' AND shop = %s),"
        " pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        (shop,),
    ).fetchone()
    written = conn.execute(_NEVER_SEEN, {"run_id": run_id, "since": since, "shop": shop}).rowcount
    return written, mark
