"""Many shops against one big one (issue 17): `python -m bench.many_shops` syncs N demo shops
of M orders each into one warehouse, up to `--parallel` at a time (each sync a child process,
as a Dagster run per shop would be), then builds staging and the marts once; and does the same
for one shop of N x M orders. It prints the figures and appends them to docs/benchmarks.md.

What it answers: does a warehouse of many installations cost what their orders cost, or do the
per-shop keys, grids and clocks add to it? The dbt build is a full one (the first build of a
new warehouse); the per-shop cost is the wall time over the shops.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg

from bench import machine
from bench.database import fresh_database
from bench.dbt_bench import dbt_build
from bench.report import append_section, benchmarks_file
from bench.shops import cache_dir, cached_shop
from bench.sources import sql_tree
from bench.stats import Figure, render_table
from bench.sync_child import run_sync
from phc_analytics.demo_shop.process import serve_in_subprocess


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure(label: str, shops: dict[str, Path], parallel: int, tree) -> dict:
    """Sync every shop (``parallel`` at once) into a new warehouse, then one full dbt build."""
    with fresh_database(tree.migrations, prefix="phc_bench_shops") as url, ExitStack() as stack:
        served = {
            name: stack.enter_context(serve_in_subprocess(path)) for name, path in shops.items()
        }
        started = time.perf_counter()

        def sync(name: str) -> float:
            base_url, ws_key = served[name]
            return run_sync(base_url, ws_key, url, shop=name).seconds

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            per_shop = dict(zip(shops, pool.map(sync, shops), strict=True))
        sync_wall = time.perf_counter() - started
        log(f"{label}: synced in {sync_wall:.1f} s")
        build = dbt_build(url, tree)
        if build.failures:
            raise SystemExit(f"{label}: dbt build failed: {build.failures[:5]}")
        log(f"{label}: built in {build.seconds:.1f} s")
        with psycopg.connect(url) as conn:
            orders = conn.execute("SELECT count(*) FROM analytics.fct_orders").fetchone()[0]
        return {
            "sync_wall": sync_wall,
            "sync_per_shop": per_shop,
            "build": build.seconds,
            "models": build.models,
            "orders": orders,
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.many_shops", description=__doc__)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--orders", type=int, default=20_000, help="orders per shop")
    parser.add_argument("--parallel", type=int, default=4, help="shops synced at once")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=None, help="default docs/benchmarks.md")
    args = parser.parse_args()
    info = machine.describe()
    load_start = machine.load()
    many = {f"shop{n:02d}": cached_shop(args.orders, args.seed + n, log) for n in range(args.shops)}
    single = {"default": cached_shop(args.orders * args.shops, args.seed, log)}
    with sql_tree(None, cache_dir()) as tree:
        spread = measure(f"{args.shops} shops x {args.orders:,}", many, args.parallel, tree)
        whole = measure(f"1 shop x {args.orders * args.shops:,}", single, 1, tree)
    n = args.shops
    figures = [
        Figure(f"{n} shops x {args.orders:,} orders: sync, {args.parallel} at once (wall)",
               f"{spread['sync_wall']:.1f} s"),
        Figure(f"{n} shops: sync per shop (median of {n})",
               f"{sorted(spread['sync_per_shop'].values())[n // 2]:.1f} s"),
        Figure(f"{n} shops: dbt full build ({spread['orders']:,} orders)",
               f"{spread['build']:.1f} s"),
        Figure(f"{n} shops: wall per shop (sync + build) / {n}",
               f"{(spread['sync_wall'] + spread['build']) / n:.1f} s"),
        Figure(f"1 shop x {args.orders * n:,} orders: sync (wall)", f"{whole['sync_wall']:.1f} s"),
        Figure(f"1 shop: dbt full build ({whole['orders']:,} orders)", f"{whole['build']:.1f} s"),
        Figure("build time, many shops / one shop",
               f"{spread['build'] / whole['build']:.2f}"),
    ]  # fmt: skip
    slowest = sorted(spread["models"].items(), key=lambda kv: -kv[1])[:5]
    section = "\n".join(
        [
            f"## {info['date']}: {n} shops x {args.orders:,} orders against one shop of"
            f" {args.orders * n:,}",
            "",
            f"- machine: {info['machine']}; load average {load_start:.2f} at the start,"
            f" {machine.load():.2f} at the end",
            f"- git: {info['git']}; each sync a child process, {args.parallel} at once; one"
            " full dbt build (models and tests) after the syncs",
            "",
            render_table(figures),
            "",
            "Slowest models with many shops: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest),
            "",
        ]
    )
    print(section)
    append_section(section, args.output or benchmarks_file())


if __name__ == "__main__":
    main()
