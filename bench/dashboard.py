"""The dashboard at the bench's scale: each page's queries, then each page loaded in a browser.

- Page data: the queries each page of `phc-analytics dashboard` runs (dashboard/queries.py, the
  same functions with the same filters), as phc_bi, timed together per page; the first run of a
  page is cold (nothing in the dashboard's cache, PostgreSQL's buffers as the build left them).
- Page load: the dashboard started as a user starts it (dashboard/launcher.py), each page opened
  in headless Chromium and timed from the request until its last figure is drawn (no script
  running, every chart drawn, the page's labels shown; checked inside the page, so reading the
  page's text does not add to the time). Each load uses a date range of its own, so Streamlit's
  query cache never answers for PostgreSQL.

The target (issue 16): each page renders in under 2 s at 1M orders.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from phc_analytics.dashboard import periods, queries
from phc_analytics.dashboard.filters import Filters
from phc_analytics.dashboard.launcher import streamlit_launch
from phc_analytics.warehouse.conninfo import with_login
from phc_analytics.warehouse.embedded import free_port

TARGET_PAGE_S = 2.0
PAGE_TIMEOUT_S = 120


def _overview(conn: psycopg.Connection, f: Filters) -> None:
    for period in (
        f.period,
        periods.previous_period(f.period),
        periods.month_to_date(f.end),
        periods.prior_month_to_date(f.end),
        periods.year_to_date(f.end),
        periods.prior_year_to_date(f.end),
    ):
        queries.sales_totals(conn, f, period)
    for name in ("daily_trend", "monthly_trend", "split_by_country", "split_by_channel"):
        getattr(queries, name)(conn, f)


def _products(conn: psycopg.Connection, f: Filters) -> None:
    top = queries.product_ranking(conn, f).products_by_revenue
    if not top.empty:
        queries.product_daily(conn, f, int(top["product_id"].iloc[0]), top["shop"].iloc[0])
    queries.bought_together(conn, f.shops)


def _customers(conn: psycopg.Connection, f: Filters) -> None:
    queries.customer_summary(conn, f)
    queries.cohort_retention(conn, f)
    queries.rfm_segments(conn, f)
    queries.revenue_tiers(conn, f)
    queries.pii_masked(conn)
    queries.top_customers(conn, f)


def _anomalies(conn: psycopg.Connection, f: Filters) -> None:
    queries.anomalies(conn, f)


def _health(conn: psycopg.Connection, f: Filters) -> None:
    for name in ("check_counts", "failing_checks", "quarantine", "sync_status", "mart_freshness"):
        getattr(queries, name)(conn)


# name -> (url path, the queries it runs, the labels its page shows once drawn)
PAGES: dict[str, tuple[str, Callable, list[str]]] = {
    "overview": ("", _overview, ["Overview", "Net revenue", "By country", "By channel"]),
    "products": ("products", _products, ["Products and categories", "Bought together"]),
    "customers": ("customers", _customers, ["Customers", "RFM segments", "Top customers"]),
    "anomalies": ("anomalies", _anomalies, ["Anomalies", "Flagged days in the range"]),
    "health": ("health", _health, ["Data health", "Freshness of each mart"]),
}


@dataclass
class PageTiming:
    page: str
    data_cold_s: float
    data_warm_s: float  # median of the later runs
    load_s: list[float]  # browser loads, each with a range of its own


def bi_url(admin_url: str) -> str:
    return with_login(admin_url, "phc_bi", None)


def last_day(conn: psycopg.Connection) -> date:
    (day,) = conn.execute(
        "SELECT max(date_day) FROM analytics.agg_sales_daily WHERE placed_orders > 0"
    ).fetchone()
    return day


def ranges(end: date, count: int, days: int = 90) -> list[Filters]:
    """``count`` 90-day ranges ending a day apart: the same work, never the same cache key."""
    return [
        Filters(end - timedelta(days=days - 1 + i), end - timedelta(days=i)) for i in range(count)
    ]


def time_page_data(url: str, runs: int = 5) -> dict[str, tuple[float, float]]:
    """Per page: the first run's seconds and the median of the others."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        filters = ranges(last_day(conn), runs)
        for name, (_, page, _) in PAGES.items():
            seconds = []
            for f in filters:
                started = time.perf_counter()
                page(conn, f)
                seconds.append(time.perf_counter() - started)
            warm = sorted(seconds[1:])
            out[name] = (seconds[0], warm[len(warm) // 2] if warm else seconds[0])
    return out


def time_page_loads(url: str, runs: int = 3) -> dict[str, list[float]]:
    """Per page: seconds from the request until it is drawn, in a real browser."""
    from phc_analytics_tests.support.browser import (
        chromium,
        streamlit_healthy,
        streamlit_wait_drawn,
    )

    def drawn(labels: list[str]) -> None:
        if not streamlit_wait_drawn(browser, labels, PAGE_TIMEOUT_S):
            raise RuntimeError(f"page not drawn within {PAGE_TIMEOUT_S} s: {labels}")

    with psycopg.connect(url) as conn:
        filters = ranges(last_day(conn) - timedelta(days=30), runs * len(PAGES))
    port = free_port()
    launch = streamlit_launch("127.0.0.1", port, url)
    out: dict[str, list[float]] = {name: [] for name in PAGES}
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_") as tmp:
        process = subprocess.Popen(
            launch.argv, env=launch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        browser = None
        try:
            base = f"http://127.0.0.1:{port}"
            if not streamlit_healthy(base, process, 60):
                raise RuntimeError("the dashboard did not start within a minute")
            browser = chromium(Path(tmp) / "profile")
            browser.get(base)  # the first page view starts a session: not timed
            drawn(PAGES["overview"][2])
            ranges_left = iter(filters)
            for _ in range(runs):
                for name, (path, _, labels) in PAGES.items():
                    f = next(ranges_left)
                    query = urlencode({"start": f.start.isoformat(), "end": f.end.isoformat()})
                    started = time.perf_counter()
                    browser.get(f"{base}/{path}?{query}")
                    drawn(labels)
                    out[name].append(time.perf_counter() - started)
        finally:
            if browser is not None:
                browser.quit()
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return out


def run_dashboard(admin_url: str, runs: int = 5, loads: int = 3) -> list[PageTiming]:
    url = bi_url(admin_url)
    data = time_page_data(url, runs)
    loaded = time_page_loads(url, loads)
    return [PageTiming(name, *data[name], loaded[name]) for name in PAGES]
