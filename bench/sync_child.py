"""The sync in a child process, so its peak RSS is its own.

The child reports its peak itself, from ``VmHWM`` in /proc/self/status: the high-water mark of
the address space it got at exec. Not the ``ru_maxrss`` that ``os.wait4`` returns for it:
Linux folds the pre-exec image into that figure, and a child started by ``subprocess`` begins
as a (v)fork of the benchmark process, so its ru_maxrss was at least the benchmark's own peak
(a child that used 13 MB, spawned from a parent holding 500 MB, reports 514 MB). That made
the sync look as if it grew with the shop (the parent does: it fetched and advanced the shop).

Parent side: :func:`run_sync`. Child side: ``python -m bench.sync_child`` runs the project's
``sync_entity`` (what the raw_* assets call) for each entity, with the Webservice client as
the PrestaShop resource configures it, and prints its stats as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from phc_analytics import settings

ENV_KEY = settings.ENV_PRESTASHOP_WS_KEY


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
    shop: str | None = None,
) -> SyncRun:
    """Run the sync in a child process and return its stats and its peak RSS."""
    from phc_analytics import settings

    command = [*(wrapper or []), sys.executable, "-m", "bench.sync_child"]
    command += ["--shop-url", shop_url, "--db", db_url, "--concurrency", str(concurrency)]
    if entities:
        command += ["--entities", ",".join(entities)]
    if shop:
        command += ["--shop", shop]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command,
            cwd=settings.project_root(),
            env={**os.environ, ENV_KEY: ws_key},
            stdout=out,
            stderr=err,
        )
        process.wait()
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            tail = err.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"sync child failed ({process.returncode}): " + "\n".join(tail))
        lines = out.read().decode().splitlines()
        result = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    return SyncRun(result["entities"], result["seconds"], result["peak_rss_mb"])


def peak_rss_mb() -> float:
    """This process's peak resident set since its exec, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # Without /proc: ru_maxrss (KiB on Linux), which may include the parent's image.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    parser.add_argument("--shop", default="default", help="the installation's name in raw")
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
                    client,
                    conn,
                    item,
                    SyncRequest.everything(),
                    concurrency=args.concurrency,
                    shop=args.shop,
                )
                # The peak so far, after each entity: which resource sets the process's peak.
                stats.append({**result.as_metadata(), "peak_rss_mb": round(peak_rss_mb(), 1)})
    finally:
        client.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"entities": stats, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
