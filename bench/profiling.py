"""Profile the slowest step, the initial sync of orders, with py-spy (the `bench` extra): a
sampling profiler that sees every thread (cProfile only sees the one that starts it).

The raw (collapsed-stack) output is summarised: share of samples per thread role, and the
functions with the most samples, on their own (self) and with what they call (inclusive).
"""

from __future__ import annotations

import collections
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.database import fresh_database
from bench.sync_child import run_sync
from phc_analytics.demo_shop.process import serve_in_subprocess


@dataclass
class Profile:
    samples: int
    seconds: float
    rows: int
    threads: list[tuple[str, float]]
    self_time: list[tuple[str, float]]
    inclusive: list[tuple[str, float]]


def py_spy() -> str | None:
    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def _short(frame: str) -> str:
    """``fn (path/to/module.py:123)`` -> ``fn (module.py)``."""
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":")[0]
    return f"{name} ({module})" if module else name


def summarise(collapsed: str, top: int = 12) -> tuple[int, list, list, list]:
    threads: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        role = "writer (main thread)" if "MainThread" in frames[0] else "fetch threads"
        threads[role] += n
        own[_short(frames[-1])] += n
        for frame in {_short(f) for f in frames[1:]}:
            inclusive[frame] += n
    share = [(k, v / total) for k, v in threads.most_common()] if total else []
    own_top = [(k, v / total) for k, v in own.most_common(top)] if total else []
    interesting = [
        (k, v / total)
        for k, v in inclusive.most_common()
        if not any(x in k for x in ("threading.py", "thread.py", "runpy", "<module>", "main ("))
    ][:top]
    return total, share, own_top, interesting


def profile_orders_sync(shop: Path, concurrency: int = 4) -> Profile | None:
    spy = py_spy()
    if spy is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "profile.txt"
        wrapper = [spy, "record", "--format", "raw", "--threads", "--nonblocking"]
        wrapper += ["--rate", "200", "-o", str(output), "--"]
        with serve_in_subprocess(shop) as (url, key), fresh_database() as db:
            run = run_sync(url, key, db, ["orders"], concurrency=concurrency, wrapper=wrapper)
        total, threads, own, inclusive = summarise(output.read_text())
    return Profile(total, run.seconds, run.rows, threads, own, inclusive)
