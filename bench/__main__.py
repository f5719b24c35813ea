"""`python -m bench [--scales 10k,100k,1M]`: measure, then append to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import machine
from bench.dashboard import TARGET_PAGE_S, PageTiming, run_dashboard
from bench.database import admin_url, fresh_database, server_version, use_migrations
from bench.dbt_bench import dbt_build, now, refresh_times
from bench.exports import FORMATS as EXPORT_FORMATS
from bench.exports import ExportRun, run_exports
from bench.limits import Throughput, bare_fetch, copy_limit
from bench.profiling import Profile, profile_orders_sync
from bench.queries import run_queries
from bench.report import append_section, benchmarks_file
from bench.shops import cache_dir, cached_shop, working_copy
from bench.slow_shop import slow_shop
from bench.sources import SqlTree, sql_tree
from bench.stats import Figure, render_table
from bench.sweep import run_sweep
from bench.sync_child import run_sync
from phc_analytics.demo_shop import advance_shop, store
from phc_analytics.demo_shop.process import serve_in_subprocess

SCALES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
TARGET_SYNC_1M_S = 90.0
TARGET_LIMIT_RATIO = 0.5
TARGET_INCREMENTAL_RATIO = 0.05
TARGET_DBT_1M_S = 180.0
TARGET_QUERY_P95_MS = 20.0
TARGET_RSS_MB = 400.0
TARGET_TOTAL_MIN = 60.0
TARGET_SWEEP_1M_S = 30.0
# Streamed exports: the peak must not grow with the marts (about 190 MB for Parquet, most of it
# pyarrow itself, at any scale).
TARGET_EXPORT_RSS_MB = 300.0
CHANGE_SHARE = 0.01


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_scales(text: str) -> list[tuple[str, int]]:
    scales = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        key = next((k for k in SCALES if k.lower() == item.lower()), None)
        if key is None:
            raise SystemExit(f"unknown scale {item!r}; choose among {', '.join(SCALES)}")
        scales.append((key, SCALES[key]))
    return scales


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds else 0.0


def _total(results: dict[str, Throughput]) -> Throughput:
    return Throughput(
        sum(t.rows for t in results.values()), sum(t.seconds for t in results.values())
    )


@dataclass
class ScaleResult:
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    full_sync_s: float = 0.0


def hours_for_share(shop: Path, orders: int, share: float) -> float:
    conn = store.connect(shop)
    try:
        per_day = float(store.get_meta(conn)["orders_per_day"])
    finally:
        conn.close()
    return share * orders / per_day * 24


def measure_scale(
    label: str,
    orders: int,
    seed: int,
    concurrency: int,
    runs: int,
    tree: SqlTree,
    export_formats: tuple[str, ...] = EXPORT_FORMATS,
) -> ScaleResult:
    out = ScaleResult()
    fig = out.figures.append
    cached = cached_shop(orders, seed, log)
    with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="run_") as work:
        shop = working_copy(cached, Path(work))
        with serve_in_subprocess(shop) as (url, key), fresh_database() as db:
            log(f"{label}: bare HTTP fetch of every page (shop-side limit)")
            fetch = bare_fetch(url, key, concurrency)
            fetch_load = machine.load()
            log(f"{label}: initial sync (child process)")
            full = run_sync(url, key, db, concurrency=concurrency)
            sync_load = machine.load()
            out.full_sync_s = full.seconds
            # As `phc-analytics run` does: the first sweep follows the initial sync, so the
            # sweep timed after the change is a nightly one.
            log(f"{label}: {full.rows} rows in {full.seconds:.1f} s; first delete sweep")
            first_sweep = run_sweep(url, key, db, concurrency=concurrency)
            first_sweep_load = machine.load()
            log(f"{label}: COPY limit")
            copy = copy_limit(db)
            copy_load = machine.load()
            log(f"{label}: dbt full build")
            build = dbt_build(db, tree)
            build_load = machine.load()

            hours = hours_for_share(shop, orders, CHANGE_SHARE)
            change = advance_shop(shop, hours)
            log(f"{label}: advanced {hours:.1f} h ({change.new_orders} new orders); incremental")
            incremental = run_sync(url, key, db, concurrency=concurrency)
            incremental_load = machine.load()
            log(f"{label}: delete sweep of every resource, then the erasure pass")
            sweep = run_sweep(url, key, db, concurrency=concurrency)
            sweep_load = machine.load()
            since = now(db)
            log(f"{label}: dbt staging after the change, then the marts")
            staging = dbt_build(db, tree, select="path:models/staging")
            staging_load = machine.load()
            marts = dbt_build(db, tree, select="path:models/analytics")
            marts_load = machine.load()
            refreshes = refresh_times(db, since)
            log(f"{label}: dashboard queries")
            queries = run_queries(db, runs)
            queries_load = machine.load()
            log(f"{label}: dashboard pages: their queries, then each page in a browser")
            pages: list[PageTiming] = run_dashboard(db)
            pages_load = machine.load()
            exports: list[ExportRun] = []
            if export_formats:
                log(f"{label}: phc-analytics export, {', '.join(export_formats)}")
                exports = run_exports(db, Path(work), export_formats)
            exports_load = machine.load()

    # --- initial sync against its limits ------------------------------------------------------
    fetch_total, copy_total = _total(fetch), _total(copy)
    sync_rate = _rate(full.rows, full.seconds)
    limits = {"shop fetch": fetch_total.rate, "COPY": copy_total.rate}
    lower_name = min(limits, key=limits.get)
    lower = limits[lower_name]
    ratio = sync_rate / lower if lower else None
    fig(
        Figure(
            f"{label}: initial sync, all resources",
            f"{full.rows:,} rows in {full.seconds:.1f} s = {sync_rate:,.0f} rows/s",
            f">= 50% of the lower limit: {lower_name} {lower:,.0f} rows/s"
            f" (shop fetch {fetch_total.rate:,.0f}, COPY {copy_total.rate:,.0f})",
            ratio,
            ratio is not None and ratio >= TARGET_LIMIT_RATIO,
            sync_load,
        )
    )
    o_sync = full.entity("orders")
    o_rate = _rate(o_sync["rows_read"], o_sync["seconds"])
    o_lower = min(fetch["orders"].rate, copy["orders"].rate)
    fig(
        Figure(
            f"{label}: initial sync, orders",
            f"{o_sync['rows_read']:,} in {o_sync['seconds']:.1f} s = {o_rate:,.0f} rows/s",
            f"lower limit {o_lower:,.0f} rows/s (fetch {fetch['orders'].rate:,.0f},"
            f" COPY {copy['orders'].rate:,.0f})",
            o_rate / o_lower if o_lower else None,
            None,
            sync_load,
        )
    )
    if orders >= 1_000_000:
        fig(
            Figure(
                f"{label}: initial sync time",
                f"{full.seconds:.1f} s",
                f"< {TARGET_SYNC_1M_S:.0f} s (the shop fetch alone: {fetch_total.seconds:.1f} s)",
                full.seconds / TARGET_SYNC_1M_S,
                full.seconds < TARGET_SYNC_1M_S,
                sync_load,
            )
        )
    fig(
        Figure(
            f"{label}: sync peak RSS",
            f"{full.max_rss_mb:.0f} MB (incremental {incremental.max_rss_mb:.0f} MB)",
            f"< {TARGET_RSS_MB:.0f} MB",
            full.max_rss_mb / TARGET_RSS_MB,
            max(full.max_rss_mb, incremental.max_rss_mb) < TARGET_RSS_MB,
            sync_load,
        )
    )
    incr_ratio = incremental.seconds / full.seconds if full.seconds else None
    fig(
        Figure(
            f"{label}: incremental sync after +1% ({change.new_orders:,} new orders,"
            f" {change.state_changes:,} state changes)",
            f"{incremental.seconds:.2f} s, {incremental.rows:,} rows read",
            f"< 5% of the full sync ({full.seconds:.1f} s)",
            incr_ratio,
            incr_ratio is not None and incr_ratio < TARGET_INCREMENTAL_RATIO,
            incremental_load,
        )
    )
    fig(
        Figure(
            f"{label}: first delete sweep, after the initial sync ({first_sweep.listed:,} ids"
            f" listed, {first_sweep.removed:,} removed)",
            f"{first_sweep.seconds:.1f} s; erasure pass {first_sweep.erasure_seconds:.2f} s"
            f" ({first_sweep.erased_customers} customers)",
            "",
            None,
            None,
            first_sweep_load,
        )
    )
    fig(
        Figure(
            f"{label}: nightly delete sweep after +1%, all resources ({sweep.listed:,} ids"
            f" listed, {sweep.removed:,} removed)",
            f"{sweep.seconds:.1f} s; erasure pass {sweep.erasure_seconds:.2f} s"
            f" ({sweep.erased_customers} customers)",
            f"< {TARGET_SWEEP_1M_S:.0f} s at 1M",
            sweep.seconds / TARGET_SWEEP_1M_S,
            (sweep.seconds < TARGET_SWEEP_1M_S) if orders >= 1_000_000 else None,
            sweep_load,
        )
    )
    at_scale = orders >= 1_000_000
    fig(
        Figure(
            f"{label}: dbt full build ({len(build.models)} models, {build.tests} tests"
            + (f", {len(build.failures)} failed" if build.failures else "")
            + ")",
            f"{build.seconds:.1f} s wall, {build.dbt_seconds:.1f} s in dbt",
            f"< {TARGET_DBT_1M_S:.0f} s at 1M",
            build.seconds / TARGET_DBT_1M_S,
            (build.seconds < TARGET_DBT_1M_S) if at_scale else None,
            build_load,
        )
    )
    fig(
        Figure(
            f"{label}: dbt staging incremental after +1%",
            f"{staging.seconds:.1f} s wall, {staging.dbt_seconds:.1f} s in dbt",
            f"full build's staging models: {_staging_seconds(build):.1f} s of model time",
            None,
            None,
            staging_load,
        )
    )
    if refreshes:
        slowest = max(refreshes, key=lambda k: refreshes[k][0])
        fig(
            Figure(
                f"{label}: mart refresh after +1%, {len(refreshes)} marts (dbt build of the marts)",
                f"slowest {slowest} {refreshes[slowest][0]:.2f} s,"
                f" sum {sum(s for s, _ in refreshes.values()):.1f} s",
                f"dbt build of the marts: {marts.seconds:.1f} s wall,"
                f" {marts.dbt_seconds:.1f} s in dbt",
                None,
                None,
                marts_load,
            )
        )
    for result in queries:
        checked = result.index_used
        note = {None: "", True: ", index used", False: ", NO index"}[checked]
        fig(
            Figure(
                f'{label}: query "{result.query.name}"',
                f"p50 {result.p50_ms:.2f} ms, p95 {result.p95_ms:.2f} ms{note}",
                f"p95 < {TARGET_QUERY_P95_MS:.0f} ms",
                result.p95_ms / TARGET_QUERY_P95_MS,
                result.p95_ms < TARGET_QUERY_P95_MS and checked is not False,
                queries_load,
            )
        )

    for page in pages:
        slowest = max(page.load_s)
        fig(
            Figure(
                f"{label}: dashboard page {page.page}",
                f"browser load {statistics.median(page.load_s):.2f} s median, {slowest:.2f} s max"
                f" ({len(page.load_s)} loads); its queries {page.data_cold_s:.3f} s cold,"
                f" {page.data_warm_s:.3f} s warm",
                f"< {TARGET_PAGE_S:.0f} s per page",
                slowest / TARGET_PAGE_S,
                slowest < TARGET_PAGE_S,
                pages_load,
            )
        )

    for run in exports:
        left_out = (
            f"; {len(run.left_out)} over Excel's row limit or the bench's 200,000-row cap left out"
            if run.left_out
            else ""
        )
        fig(
            Figure(
                f"{label}: export {run.fmt}, {run.marts} marts{left_out}",
                f"{run.seconds:.1f} s, {run.rows:,} rows = {_rate(run.rows, run.seconds):,.0f}"
                f" rows/s, {run.bytes / 1e6:,.0f} MB; peak RSS {run.peak_rss_mb:.0f} MB",
                f"peak RSS < {TARGET_EXPORT_RSS_MB:.0f} MB",
                run.peak_rss_mb / TARGET_EXPORT_RSS_MB,
                run.peak_rss_mb < TARGET_EXPORT_RSS_MB,
                exports_load,
            )
        )

    # --- details ------------------------------------------------------------------------------
    lines = [
        f"#### {label}: initial sync per resource (loads: fetch {fetch_load:.2f},"
        f" sync {sync_load:.2f}, COPY {copy_load:.2f})",
        "",
        "| resource | rows | sync s | sync rows/s | shop fetch rows/s | COPY rows/s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entity in full.entities:
        name = entity["entity"]
        rate = _rate(entity["rows_read"], entity["seconds"])
        lower_e = min(fetch[name].rate, copy[name].rate)
        lines.append(
            f"| {name} | {entity['rows_read']:,} | {entity['seconds']:.2f} | {rate:,.0f}"
            f" | {fetch[name].rate:,.0f} | {copy[name].rate:,.0f}"
            f" | {rate / lower_e if lower_e else 0:.2f} |"
        )
        if fetch[name].rows != entity["rows_read"]:
            lines.append(f"| ^ fetch counted {fetch[name].rows:,} records | | | | | | |")
    lines += [
        "",
        f"#### {label}: delete sweep per resource (load {sweep_load:.2f})",
        "",
        ", ".join(
            f"{s.entity} {s.seconds:.2f} s ({s.listed_ids:,} ids, {s.windows} windows,"
            f" {s.removed} removed)"
            for s in sweep.entities
        ),
    ]
    slow_models = sorted(build.models.items(), key=lambda kv: -kv[1])[:8]
    lines += [
        "",
        f"#### {label}: dbt full build, slowest models (of {build.seconds:.1f} s wall;"
        f" load {build_load:.2f})",
        "",
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slow_models),
        "",
        f"#### {label}: mart refreshes after +1% (analytics.refresh_log)",
        "",
        ", ".join(
            f"{name.split('.')[-1]} {seconds:.2f} s{'' if concurrently else ' (not concurrent)'}"
            for name, (seconds, concurrently) in sorted(refreshes.items(), key=lambda kv: -kv[1][0])
        )
        or "(none logged)",
        "",
        f"#### {label}: dashboard queries (EXPLAIN ANALYZE plans; load {queries_load:.2f})",
        "",
        "| query | p50 ms | p95 ms | rows | scans | buffers hit/read |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for result in queries:
        lines.append(
            f"| {result.query.name} | {result.p50_ms:.2f} | {result.p95_ms:.2f} | {result.rows}"
            f" | {'; '.join(result.scans)} | {result.shared_hit}/{result.shared_read} |"
        )
    if exports:
        lines += [
            "",
            f"#### {label}: exports, slowest marts (load {exports_load:.2f})",
            "",
            "| format | marts | rows | MB | s | slowest marts (rows, s) |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for run in exports:
            slowest = sorted(run.per_mart.items(), key=lambda kv: -kv[1][1])[:4]
            lines.append(
                f"| {run.fmt} | {run.marts} | {run.rows:,} | {run.bytes / 1e6:,.1f}"
                f" | {run.seconds:.1f} | "
                + ", ".join(f"{name} ({rows:,}, {secs:.1f})" for name, (rows, secs) in slowest)
                + (
                    "; left out: " + ", ".join(f"{n} ({r:,})" for n, r in run.left_out.items())
                    if run.left_out
                    else ""
                )
                + " |"
            )
    out.details = lines
    return out


def _staging_seconds(build) -> float:
    return sum(seconds for name, seconds in build.models.items() if name.startswith("stg_"))


def slow_shop_figures(seed: int, record_latency_ms: float) -> list[Figure]:
    shop = cached_shop(SCALES["10k"], seed, log)
    log(f"slow shop: {record_latency_ms} ms per record, orders of the 10k shop")
    result = slow_shop(shop, record_latency_ms)
    load = machine.load()
    sequential, concurrent = result.runs[1], result.runs[4]
    speedup = sequential.seconds / concurrent.seconds if concurrent.seconds else 0
    rows = sequential.rows
    return [
        Figure(
            f"slow shop ({record_latency_ms:g} ms/record), 10k orders, 1 window at a time",
            f"{sequential.seconds:.1f} s = {_rate(rows, sequential.seconds):,.0f} rows/s",
            f"the latency alone: {rows * record_latency_ms / 1000:.1f} s",
            None,
            None,
            load,
        ),
        Figure(
            f"slow shop ({record_latency_ms:g} ms/record), 10k orders, 4 windows in flight",
            f"{concurrent.seconds:.1f} s = {_rate(rows, concurrent.seconds):,.0f} rows/s,"
            f" {speedup:.1f}x faster",
            "ideal: 4x (ratio = speedup / 4)",
            speedup / 4,
            None,
            load,
        ),
    ]


def profile_lines(profile: Profile | None, label: str) -> list[str]:
    if profile is None:
        return ["py-spy is not installed (`pip install -e '.[bench]'`): no profile."]
    lines = [
        f"py-spy, 200 samples/s, every thread, initial sync of orders at {label}:"
        f" {profile.rows:,} rows in {profile.seconds:.1f} s, {profile.samples:,} samples"
        " (a sample per busy thread: shares add up across threads).",
        "",
        "- threads: " + ", ".join(f"{name} {share:.0%}" for name, share in profile.threads),
        "- self: " + ", ".join(f"{name} {share:.0%}" for name, share in profile.self_time),
        "- inclusive: " + ", ".join(f"{name} {share:.0%}" for name, share in profile.inclusive),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="10k,100k,1M", help="comma-separated: 10k,100k,1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4, help="windows in flight")
    parser.add_argument("--query-runs", type=int, default=50)
    parser.add_argument("--record-latency-ms", type=float, default=2.0, help="slow shop")
    parser.add_argument("--no-slow-shop", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--export-formats",
        default="csv,parquet,xlsx",
        help="formats of phc-analytics export to measure, comma-separated; '' skips the export",
    )
    parser.add_argument(
        "--sql",
        default="HEAD",
        help="git ref whose sql/ (migrations, dbt project) is measured, or 'worktree'",
    )
    parser.add_argument("--output", type=Path, default=None, help="default docs/benchmarks.md")
    args = parser.parse_args()
    scales = parse_scales(args.scales)
    export_formats = tuple(f.strip() for f in args.export_formats.split(",") if f.strip())
    if set(export_formats) - set(EXPORT_FORMATS):
        raise SystemExit(f"--export-formats: choose among {', '.join(EXPORT_FORMATS)}")

    started = time.perf_counter()
    load_start = machine.load()
    info = machine.describe()
    postgres = server_version(admin_url())
    figures: list[Figure] = []
    details: list[str] = []
    profile, profile_label = None, ""
    with sql_tree(None if args.sql == "worktree" else args.sql, cache_dir()) as tree:
        use_migrations(tree.migrations)
        for label, orders in scales:
            log(f"=== {label} ({orders:,} orders), SQL of the {tree.label}")
            result = measure_scale(
                label,
                orders,
                args.seed,
                args.concurrency,
                args.query_runs,
                tree,
                export_formats=export_formats,
            )
            figures += result.figures
            details += ["", *result.details]
        if not args.no_slow_shop:
            figures += slow_shop_figures(args.seed, args.record_latency_ms)
        if not args.no_profile:
            profile_label, orders = next(
                ((k, v) for k, v in reversed(scales) if v <= SCALES["100k"]), scales[0]
            )
            log(f"profiling the orders sync at {profile_label}")
            profile = profile_orders_sync(cached_shop(orders, args.seed, log), args.concurrency)
    minutes = (time.perf_counter() - started) / 60
    every_scale = {label for label, _ in scales} == set(SCALES)
    figures.append(
        Figure(
            f"make bench, scales {', '.join(label for label, _ in scales)}",
            f"{minutes:.1f} min",
            f"< {TARGET_TOTAL_MIN:.0f} min for all three scales",
            minutes / TARGET_TOTAL_MIN,
            (minutes < TARGET_TOTAL_MIN) if every_scale else None,
            machine.load(),
        )
    )
    section = "\n".join(
        [
            f"## {info['date']}: scales {', '.join(label for label, _ in scales)}",
            "",
            f"- machine: {info['machine']}; load average {load_start:.2f} at the start,"
            f" {machine.load():.2f} at the end",
            f"- git: {info['git']}; SQL (migrations, dbt) of the {tree.label};"
            f" PostgreSQL {postgres} (embedded); seed {args.seed};"
            f" {args.concurrency} windows in flight",
            "",
            render_table(figures),
            "",
            "### Profile of the slowest step",
            "",
            *profile_lines(profile, profile_label),
            "",
            "### Details",
            *details,
        ]
    )
    path = append_section(section, args.output or benchmarks_file())
    print(section)
    log(f"appended to {path} ({minutes:.1f} min)")


if __name__ == "__main__":
    main()
