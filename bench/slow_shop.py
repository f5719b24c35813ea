"""A slow shop: the demo shop with a per-record latency like a real PrestaShop (which loads each
object it returns), synced one window at a time and with windows in flight concurrently.

Bounded: orders only, on the smallest shop (10k orders at 2 ms a record is 20 s in sequence).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.database import fresh_database
from bench.sync_child import SyncRun, run_sync
from phc_analytics.demo_shop import FaultConfig
from phc_analytics.demo_shop.process import serve_in_subprocess


@dataclass
class SlowShop:
    record_latency_ms: float
    runs: dict[int, SyncRun]  # concurrency -> run


def slow_shop(shop: Path, record_latency_ms: float = 2.0, concurrencies=(1, 4)) -> SlowShop:
    runs = {}
    faults = FaultConfig(record_latency_ms=record_latency_ms)
    with serve_in_subprocess(shop, faults=faults) as (url, key):
        for concurrency in concurrencies:
            with fresh_database() as db:
                runs[concurrency] = run_sync(url, key, db, ["orders"], concurrency=concurrency)
    return SlowShop(record_latency_ms, runs)
