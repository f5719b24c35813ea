"""Sync one PrestaShop resource into its raw table.

Windows are fetched concurrently (a few at once: the shop is slow per record and polite
clients don't hammer it), pages flow through a bounded queue to a single writer, and the
writer commits batches. Memory is bounded by the queue, not by the shop. The watermark moves
only when every window before it is committed, in the transaction that commits the last rows.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime

import psycopg

from phc_analytics.ingestion.raw_store import CopyRow, RawStore, to_copy_rows
from phc_analytics.ingestion.windows import (
    SyncRequest,
    Window,
    read_range,
    split_windows,
    watermark_after,
)
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import Entity
from phc_analytics.shops_file import DEFAULT_SHOP

DEFAULT_BATCH_ROWS = 2_000
LOCK_WAIT_S = 600.0


@dataclass
class SyncStats:
    entity: str
    rows_read: int = 0
    new_versions: int = 0
    rejected_records: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    windows: int = 0
    read_from: datetime | None = None
    read_to: datetime | None = None
    watermark_before: datetime | None = None
    watermark_after: datetime | None = None
    seconds: float = 0.0
    batches: list[int] = field(default_factory=list, repr=False)

    @property
    def unchanged(self) -> int:
        return self.rows_read - self.rejected_records - self.new_versions

    def as_metadata(self) -> dict:
        data = asdict(self)
        data.pop("batches")
        data["unchanged"] = self.unchanged
        data["seconds"] = round(self.seconds, 3)
        return {
            k: (v.isoformat(sep=" ") if isinstance(v, datetime) else v) for k, v in data.items()
        }


BatchHook = Callable[[SyncStats], None]


class _Stop(Exception):
    pass


def _fetch_window(
    client: PrestaShopClient,
    entity: Entity,
    index: int,
    window: Window | None,
    out: queue.Queue,
    stop: threading.Event,
) -> None:
    def put(item: tuple) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stop

    try:
        for page in client.iter_pages(entity, window):
            # Converted here, not in the writer: the writer is the bottleneck (it waits on the
            # database for most of a batch), and the fetch threads do this while it waits.
            # A page queued as COPY rows is also a fraction of the size of its parsed records.
            rows, rejected = to_copy_rows(entity, page.records)
            put(("page", index, (rows, rejected, len(page.records))))
        put(("done", index, None))
    except _Stop:
        return
    except BaseException as exc:  # handed to the writer, which re-raises it
        try:
            put(("error", index, exc))
        except _Stop:
            return


def sync_entity(
    client: PrestaShopClient,
    conn: psycopg.Connection,
    entity: Entity,
    request: SyncRequest,
    run_id: str | None = None,
    concurrency: int = 4,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_batch: BatchHook | None = None,
    shop: str = DEFAULT_SHOP,
) -> SyncStats:
    """Read ``entity`` from ``client`` (the installation ``shop``) into its raw table."""
    started = time.monotonic()
    requests_before, retries_before = client.requests, client.retries
    stats = SyncStats(entity=entity.name)
    store = RawStore(conn, entity, run_id, shop)
    store.lock(LOCK_WAIT_S)
    try:
        watermark = store.watermark()
        stats.watermark_before = watermark
        windows: list[Window | None]
        if entity.incremental:
            bounds = read_range(request, watermark, client.max_cursor(entity))
            windows = _plan(client, entity, bounds, concurrency) if bounds else []
            if bounds:
                stats.read_from, stats.read_to = bounds
        else:
            windows = [None]
        stats.windows = len(windows)
        _run_windows(
            client, store, entity, windows, watermark, concurrency, batch_rows, stats, on_batch
        )
        stats.watermark_after = store.watermark()
        store.analyze_if_grown(stats.new_versions)
        if not entity.incremental:
            stats.watermark_before = stats.watermark_after = None
    finally:
        conn.rollback()
        conn.execute("SELECT pg_advisory_unlock_all()")
        conn.commit()
    stats.requests = client.requests - requests_before
    stats.retries = client.retries - retries_before
    stats.seconds = time.monotonic() - started
    return stats


def _plan(client: PrestaShopClient, entity: Entity, bounds: Window, concurrency: int) -> list:
    """Windows over ``bounds``, cut where the shop actually has records: a first sync reads from
    the epoch, and decades of empty windows would each cost a request."""
    low, high = bounds
    earliest = client.min_cursor(entity)
    windows = split_windows(max(low, earliest or low), high, max_windows=concurrency * 4)
    if windows:
        # The first window still starts at ``low``: nothing lies between, and the watermark
        # may only move over a range that starts at it.
        windows[0] = (low, windows[0][1])
    return windows


def _run_windows(
    client: PrestaShopClient,
    store: RawStore,
    entity: Entity,
    windows: list[Window | None],
    watermark: datetime,
    concurrency: int,
    batch_rows: int,
    stats: SyncStats,
    on_batch: BatchHook | None,
) -> None:
    if not windows:
        return
    pages: queue.Queue = queue.Queue(maxsize=max(2, concurrency * 2))
    stop = threading.Event()
    pending: list[CopyRow] = []
    done = [False] * len(windows)
    prefix = 0

    def flush(advance_to: datetime | None) -> None:
        nonlocal pending
        result = store.write(pending, advance_watermark_to=advance_to)
        stats.new_versions += result.new_versions
        stats.batches.append(result.rows)
        pending = []
        if on_batch is not None:
            on_batch(stats)

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ps-fetch") as pool:
        for index, window in enumerate(windows):
            pool.submit(_fetch_window, client, entity, index, window, pages, stop)
        try:
            finished = 0
            while finished < len(windows):
                kind, index, payload = pages.get()
                if kind == "error":
                    raise payload
                if kind == "page":
                    rows, rejected, read = payload
                    stats.pages += 1
                    stats.rows_read += read
                    stats.rejected_records += rejected
                    pending.extend(rows)
                    if len(pending) >= batch_rows:
                        flush(None)
                    continue
                finished += 1
                done[index] = True
                before = prefix
                while prefix < len(windows) and done[prefix]:
                    prefix += 1
                advance = None
                if entity.incremental and prefix > before:
                    advance = watermark_after(windows, prefix, watermark)  # type: ignore[arg-type]
                if advance is not None or finished == len(windows):
                    flush(advance)
        finally:
            stop.set()
            while not pages.empty():
                pages.get_nowait()
