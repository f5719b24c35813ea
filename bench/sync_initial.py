"""Initial sync throughput: a demo shop of N orders into an empty warehouse.

    python bench/sync_initial.py [orders] [--concurrency 4] [--record-latency-ms 0]

The shop is generated once per size under .phc/bench/ and reused. The warehouse is a fresh
database on the embedded server (or on PHC_BENCH_DATABASE_URL, an admin URL). Prints one line
per entity and a total, plus the sync's peak RSS; writes nothing else.
"""

from __future__ import annotations

import argparse
import resource
import time
import uuid
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from phc_analytics import settings
from phc_analytics.demo_shop import FaultConfig, generate_shop
from phc_analytics.demo_shop.process import serve_in_subprocess
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import ENTITIES
from phc_analytics.warehouse.embedded import EmbeddedPostgres
from phc_analytics.warehouse.migrations import apply_migrations

BENCH_END = datetime(2026, 11, 1)


def bench_shop(orders: int):
    path = settings.phc_home() / "bench" / f"shop_{orders}.sqlite"
    if not path.exists():
        started = time.perf_counter()
        generate_shop(path, orders=orders, seed=1, end=BENCH_END)
        print(f"generated {orders} orders in {time.perf_counter() - started:.1f} s")
    return path


def fresh_database(admin_url: str | None) -> tuple[str, str]:
    admin = admin_url or EmbeddedPostgres(settings.phc_home() / "pg").ensure_running().url()
    name = f"phc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    apply_migrations(url, settings.migrations_dir())
    return admin, url


def drop_database(admin: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("orders", type=int, nargs="?", default=100_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--record-latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    shop = bench_shop(args.orders)
    admin, url = fresh_database(os.environ.get(settings.ENV_BENCH_DATABASE_URL))
    faults = FaultConfig(record_latency_ms=args.record_latency_ms)
    total_rows, started = 0, time.perf_counter()
    try:
        with (
            serve_in_subprocess(shop, faults=faults) as (shop_url, key),
            psycopg.connect(url) as conn,
        ):
            client = PrestaShopClient(shop_url, key)
            for entity in ENTITIES:
                stats = sync_entity(
                    client, conn, entity, SyncRequest.everything(), concurrency=args.concurrency
                )
                total_rows += stats.rows_read
                rate = stats.rows_read / stats.seconds if stats.seconds else 0
                print(
                    f"{entity.name:16} {stats.rows_read:>9} rows {stats.seconds:7.1f} s"
                    f" {rate:>9,.0f} rows/s  {stats.requests} requests"
                )
        seconds = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"TOTAL {args.orders} orders: {total_rows} rows in {seconds:.1f} s"
            f" ({total_rows / seconds:,.0f} rows/s), peak RSS {rss_mb:.0f} MB"
            f" (shop in its own process), concurrency {args.concurrency}"
        )
    finally:
        drop_database(admin, url)


if __name__ == "__main__":
    main()
