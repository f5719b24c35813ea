"""Time the demo shop generator: `python bench/demo_shop_generate.py [orders] [path]`.

Prints wall time and the process's CPU time (user + system, all threads): on a shared
machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from phc_analytics.demo_shop import generate_shop


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "bench.sqlite"
    path.unlink(missing_ok=True)  # replacing an old file would time its deletion too
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    generate_shop(path, orders=orders, seed=1, end=datetime(2025, 6, 1))
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    size_mb = path.stat().st_size / 1e6
    rate = orders / seconds
    print(
        f"{orders} orders in {seconds:.1f} s: {rate:,.0f} orders/s, {cpu:.1f} s CPU "
        f"({size_mb:,.0f} MB at {path})"
    )


if __name__ == "__main__":
    main()
