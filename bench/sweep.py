"""The delete sweep and the erasure pass at scale: what a nightly run spends finding deletes.

Runs the project's own ``sweep_entity`` for every swept resource against the served shop (after
the +1% change, which deletes at a real shop's rates), then ``erase_deleted_customers``, and
reports each resource's time, ids listed and ids removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg

from phc_analytics.ingestion.erasure import erase_deleted_customers
from phc_analytics.ingestion.sweep import SweepStats, sweep_entity
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import ENTITIES


@dataclass
class SweepRun:
    entities: list[SweepStats] = field(default_factory=list)
    seconds: float = 0.0
    erasure_seconds: float = 0.0
    erased_customers: int = 0

    @property
    def listed(self) -> int:
        return sum(s.listed_ids for s in self.entities)

    @property
    def removed(self) -> int:
        return sum(s.removed for s in self.entities)


def run_sweep(shop_url: str, ws_key: str, db_url: str, concurrency: int = 4) -> SweepRun:
    out = SweepRun()
    client = PrestaShopClient(shop_url, ws_key)
    started = time.perf_counter()
    try:
        with psycopg.connect(db_url) as conn:
            for entity in ENTITIES:
                if entity.sweep:
                    out.entities.append(
                        sweep_entity(client, conn, entity, run_id="bench", concurrency=concurrency)
                    )
            out.seconds = time.perf_counter() - started
            erase_started = time.perf_counter()
            out.erased_customers = erase_deleted_customers(conn, run_id="bench").customers
            out.erasure_seconds = time.perf_counter() - erase_started
    finally:
        client.close()
    return out
