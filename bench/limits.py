"""The two limits the initial sync is compared with, measured in the same run.

- Shop side: every page the sync asks for (same windows, same keyset pages, same number of
  windows in flight), fetched with a bare ``requests`` session and discarded. Only a regex
  counts the records and finds the last id for the next page: no JSON decoding, no database.
- Database side: PostgreSQL COPY of the same payloads (exported from raw after the sync) into
  a table shaped like the raw table (same columns, defaults, primary key and indexes).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import requests
from psycopg import sql

from phc_analytics.ingestion.raw_store import EPOCH
from phc_analytics.ingestion.sync import _plan
from phc_analytics.ingestion.windows import SyncRequest, read_range
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import ENTITIES, Entity
from phc_analytics.prestashop.parsing import MAX_ID, range_filter

# Top-level ids are JSON numbers; ids inside associations (order_rows...) are strings.
RECORD_ID = re.compile(rb'\{"id":(\d+)')
PAGE_SIZE = 500
CHUNK = 1 << 20


@dataclass
class Throughput:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _windows(client: PrestaShopClient, entity: Entity, concurrency: int) -> list:
    """The windows ``sync_entity`` plans for a first sync."""
    if not entity.incremental:
        return [None]
    bounds = read_range(SyncRequest.everything(), EPOCH, client.max_cursor(entity))
    return _plan(client, entity, bounds, concurrency) if bounds else []


def bare_fetch(
    shop_url: str, ws_key: str, concurrency: int = 4, entities: tuple[Entity, ...] = ENTITIES
) -> dict[str, Throughput]:
    """Records per entity fetched and discarded, and the seconds it took."""
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = (ws_key, "")
            local.session.headers.update({"Output-Format": "JSON"})
        return local.session

    def fetch(entity: Entity, window) -> int:
        count, next_id = 0, 1
        while True:
            params = {
                "display": "full",
                "sort": "[id_ASC]",
                "limit": str(PAGE_SIZE),
                "filter[id]": range_filter(next_id, MAX_ID),
            }
            if window is not None:
                params["date"] = "1"
                params[f"filter[{entity.cursor}]"] = range_filter(*window)
            response = session().get(f"{shop_url}/api/{entity.name}", params=params, timeout=60)
            response.raise_for_status()
            ids = RECORD_ID.findall(response.content)
            count += len(ids)
            if len(ids) < PAGE_SIZE:
                return count
            next_id = int(ids[-1]) + 1

    client = PrestaShopClient(shop_url, ws_key)
    results = {}
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for entity in entities:
                started = time.perf_counter()
                windows = _windows(client, entity, concurrency)
                rows = sum(pool.map(lambda w, e=entity: fetch(e, w), windows))
                results[entity.name] = Throughput(rows, time.perf_counter() - started)
    finally:
        client.close()
    return results


def copy_limit(db_url: str, entities: tuple[Entity, ...] = ENTITIES) -> dict[str, Throughput]:
    """COPY of each raw table's payloads into a raw-shaped table, timed; the copies are dropped."""
    results = {}
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_copy")
        conn.commit()
        try:
            for entity in entities:
                source = sql.Identifier("raw", entity.name)
                target = sql.Identifier("bench_copy", entity.name)
                columns = sql.SQL("id, payload_hash, cursor_value, payload")
                with tempfile.TemporaryFile() as dump:
                    with conn.cursor().copy(
                        sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(columns, source)
                    ) as copy:
                        for data in copy:
                            dump.write(data)
                    dump.seek(0)
                    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(source))
                    count = rows.fetchone()[0]
                    conn.execute(
                        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(target, source)
                    )
                    conn.commit()
                    started = time.perf_counter()
                    with conn.cursor().copy(
                        sql.SQL("COPY {} ({}) FROM STDIN").format(target, columns)
                    ) as copy:
                        while data := dump.read(CHUNK):
                            copy.write(data)
                    conn.commit()
                    results[entity.name] = Throughput(count, time.perf_counter() - started)
        finally:
            conn.rollback()
            conn.execute("DROP SCHEMA bench_copy CASCADE")
            conn.commit()
    return results
