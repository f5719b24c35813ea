"""Demo shops for the benchmark: generated once per (orders, seed) under .phc/bench/, reused.

A benchmark advances its shop (the incremental sync), so each run works on a copy of the
cached file and the cache stays as generated.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path

from phc_analytics import settings
from phc_analytics.demo_shop import generate_shop, store

# A fixed end of history: the same (orders, seed) is the same shop on every run.
BENCH_END = datetime(2026, 11, 1)


def cache_dir() -> Path:
    return settings.phc_home() / "bench"


def cached_shop(orders: int, seed: int, log=print) -> Path:
    """The generated shop of ``orders`` orders, generated first when it is not cached yet."""
    # The shop file's schema version is in the name: a shop cached by an older generator lacks
    # resources the benchmark reads.
    path = cache_dir() / f"shop_{orders}_seed{seed}_v{store.SCHEMA_VERSION}.sqlite"
    if not path.exists():
        log(f"generating a shop of {orders:,} orders (seed {seed}) at {path}")
        started = time.perf_counter()
        generate_shop(path, orders=orders, seed=seed, end=BENCH_END)  # atomic: tmp + rename
        log(f"generated in {time.perf_counter() - started:.1f} s")
    return path


def working_copy(shop: Path, folder: Path) -> Path:
    """A copy of ``shop`` the run may advance (the cache is never modified)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / shop.name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(shop, target)
    return target
