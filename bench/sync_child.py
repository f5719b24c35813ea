"""The sync in a child process, so its peak RSS is its own (``os.wait4`` returns the rusage of
exactly that child, the per-child form of ``RUSAGE_CHILDREN``).

Parent side: :func:`run_sync`. Child side: ``python -m bench.sync_child`` runs the project's
``sync_entity`` (what the raw_* assets call) for each entity, with the Webservice client as
the PrestaShop resource configures it, and prints its stats as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ENV_KEY = "PRESTASHOP_WS_KEY"


@dataclass
class SyncRun:
    entities: list[dict]  # SyncStats.as_metadata() per entity
    seconds: float
    max_rss_mb: float

    @property
    def rows(self) -> int:
        return sum(e["rows_read"] for e in self.entities)

    def entity(self, name: str) -> dict:
        return next(e for e in self.entities if e["entity"] == name)


def run_sync(
    shop_url: str,
    ws_key: str,
    db_url: str,
    entities: list[str] | None = None,
    concurrency: int = 4,
    wrapper: list[str] | None = None,
) -> SyncRun:
    """Run the sync in a child process and return its stats and its peak RSS."""
    from phc_analytics import settings

    command = [*(wrapper or []), sys.executable, "-m", "bench.sync_child"]
    command += ["--shop-url", shop_url, "--db", db_url, "--concurrency", str(concurrency)]
    if entities:
        command += ["--entities", ",".join(entities)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command,
            cwd=settings.project_root(),
            env={**os.environ, ENV_KEY: ws_key},
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            tail = err.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"sync child failed ({process.returncode}): " + "\n".join(tail))
        lines = out.read().decode().splitlines()
        result = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    # ru_maxrss is in KiB on Linux.
    return SyncRun(result["entities"], result["seconds"], usage.ru_maxrss / 1024)


def main() -> None:
    import psycopg

    from phc_analytics.ingestion.sync import sync_entity
    from phc_analytics.ingestion.windows import SyncRequest
    from phc_analytics.prestashop.client import PrestaShopClient
    from phc_analytics.prestashop.entities import ENTITIES, entity

    parser = argparse.ArgumentParser()
    parser.add_argument("--shop-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--entities", default="")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    chosen = [entity(n) for n in args.entities.split(",")] if args.entities else list(ENTITIES)

    # The client as PrestaShopResource builds it (page size 500, two connections per window in
    # flight), without importing Dagster: the RSS is the sync's, not the orchestrator's.
    client = PrestaShopClient(
        args.shop_url, os.environ[ENV_KEY], page_size=500, pool_size=max(4, args.concurrency * 2)
    )
    started = time.perf_counter()
    stats = []
    try:
        with psycopg.connect(args.db) as conn:
            for item in chosen:
                result = sync_entity(
                    client, conn, item, SyncRequest.everything(), concurrency=args.concurrency
                )
                stats.append(result.as_metadata())
    finally:
        client.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"entities": stats, "seconds": seconds}))


if __name__ == "__main__":
    main()
