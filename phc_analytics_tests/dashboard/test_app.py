"""The dashboard as a user opens it: `phc-analytics dashboard` on the session's built warehouse
(2,000 orders), every page in a headless Chromium, and the figures on the pages against the same
figures computed from the facts. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.quality.report import store_report, summarize
from phc_analytics.warehouse.embedded import free_port
from phc_analytics_tests.support.browser import (
    chromium,
    page_lines,
    streamlit_drawn,
    streamlit_healthy,
)
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse

pytestmark = pytest.mark.ui

CLI = str(Path(sys.executable).parent / "phc-analytics")
ARTIFACTS_DIR = settings.project_root() / "test-artifacts" / "dashboard"
# A fixed quarter inside the built shop's history (it ends on 2025-06-01).
START, END = date(2025, 1, 1), date(2025, 3, 31)
START_TIMEOUT_S = 60
PAGE_TIMEOUT_S = 60
PLANTED_CHECK = "planted_failing_check_for_the_dashboard"


@contextmanager
def dashboard(warehouse_url: str, home: Path, pii: str | None = None) -> Iterator[str]:
    """`phc-analytics dashboard` on a free port, as a user starts it, with PHC_BI_PII=``pii``
    (unset: the default); stopped afterwards."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, settings.ENV_DATABASE_URL: warehouse_url, settings.ENV_HOME: str(home)}
    env.pop(settings.ENV_BI_DATABASE_URL, None)
    env.pop(settings.ENV_BI_PII, None)
    if pii is not None:
        env[settings.ENV_BI_PII] = pii
    log = (home / "dashboard.log").open("w")
    process = subprocess.Popen(
        [CLI, "dashboard", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = streamlit_healthy(base, process, START_TIMEOUT_S)
        assert started, (home / "dashboard.log").read_text()[-3000:]
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def open_page(browser, url: str, labels: list[str]) -> tuple[dict[str, str], list[str]]:
    """Open ``url`` and wait until the script has finished and every label shows; the page's
    metrics (label -> value as shown) and its text lines."""
    browser.get(url)
    lines = streamlit_drawn(browser, labels, PAGE_TIMEOUT_S)
    if lines is None:
        raise AssertionError(
            f"{url}: missing {[x for x in labels if x not in page_lines(browser)]};"
            f" page: {page_lines(browser)[:60]}"
        )
    assert not browser.find_elements("css selector", '[data-testid="stException"]'), lines[:80]
    metrics = {}
    for metric in browser.find_elements("css selector", '[data-testid="stMetric"]'):
        label = metric.find_element("css selector", '[data-testid="stMetricLabel"]').text.strip()
        value = metric.find_element("css selector", '[data-testid="stMetricValue"]').text.strip()
        metrics[label] = value
    return metrics, lines


def amount(shown: str) -> Decimal:
    """'12,345.67 EUR' -> Decimal('12345.67')."""
    return Decimal(re.sub(r"[^0-9.\-]", "", shown.split()[0]))


def plant_check_results(url: str) -> None:
    """One failing check among passing ones, stored as the quality report asset stores them."""
    now = datetime.now(UTC).isoformat()
    checks = [
        {"asset": "analytics/fct_orders", "check": name, "status": status, "severity": severity,
         "failing_count": failing, "example_ids": ids, "run_id": "r1", "evaluated_at": now}
        for name, status, severity, failing, ids in (
            ("unique_fct_orders_order_id", "passed", "ERROR", 0, []),
            (PLANTED_CHECK, "failed", "WARN", 3, [11, 12, 13]),
        )
    ]  # fmt: skip
    with psycopg.connect(url) as conn:
        store_report(conn, {"generated_at": now, "summary": summarize(checks), "checks": checks})


def test_every_page_shows_the_facts_figures_as_the_bi_role(
    built_copy: BuiltWarehouse, tmp_path: Path
):
    url = built_copy.url
    plant_check_results(url)
    with psycopg.connect(url) as conn:
        revenue, orders = conn.execute(
            "SELECT sum(net_revenue), count(*) FROM analytics.fct_orders"
            " WHERE is_valid AND order_date BETWEEN %s AND %s",
            (START, END),
        ).fetchone()
        # The country filter takes the ISO code (country ids are each shop's own).
        country, country_revenue, country_orders = conn.execute(
            "SELECT coalesce(g.iso_code, 'unknown'), sum(o.net_revenue), count(*)"
            " FROM analytics.fct_orders AS o"
            " LEFT JOIN analytics.dim_geography AS g USING (country_id, shop)"
            " WHERE o.is_valid AND o.order_date BETWEEN %s AND %s"
            " GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 1",
            (START, END),
        ).fetchone()
        top_product = conn.execute(
            "SELECT p.product_name FROM analytics.fct_order_lines AS l"
            " JOIN analytics.dim_product AS p USING (product_id)"
            " WHERE l.is_valid AND l.order_date BETWEEN %s AND %s"
            " GROUP BY l.product_id, p.product_name ORDER BY sum(l.net_line_revenue) DESC,"
            " l.product_id LIMIT 1",
            (START, END),
        ).fetchone()[0]
        flagged = conn.execute(
            "SELECT count(*) FROM analytics.sales_anomalies"
            " WHERE is_anomaly AND date_day BETWEEN %s AND %s",
            (START, END),
        ).fetchone()[0]
        customers = conn.execute(
            "SELECT count(*) FROM analytics.dim_customer"
            " WHERE customer_id <> -1 AND lifetime_orders > 0"
        ).fetchone()[0]
        quarantined = conn.execute("SELECT count(*) FROM analytics.quarantined_records").fetchone()[
            0
        ]
        top_email = conn.execute(
            "SELECT email FROM analytics.dim_customer WHERE customer_id <> -1"
            " ORDER BY lifetime_value DESC, customer_id DESC LIMIT 1"
        ).fetchone()[0]
    assert orders > 50 and revenue > 0
    top_email_hash = hashlib.sha256(top_email.strip().lower().encode()).hexdigest()

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    query = "?" + urlencode({"start": START.isoformat(), "end": END.isoformat()})
    browser = chromium(tmp_path / "chromium-profile")
    try:
        with dashboard(url, tmp_path / "home") as base:
            seen = {}
            for path, labels in (
                ("overview", ["Overview", "Net revenue", "Orders", "By country", "By channel"]),
                # Each page is read once its data shows (tables render after their headers).
                ("products", ["Products and categories", "Top products by revenue",
                              "Bought together", top_product]),
                ("customers", ["Customers", "Cohort retention", "RFM segments", "Top customers",
                               top_email_hash]),
                ("anomalies", ["Anomalies", "Flagged days in the range"]),
                ("health", ["Data health", "Last sync per resource", "Freshness of each mart",
                            "Failing checks", "Quarantined records", PLANTED_CHECK]),
            ):  # fmt: skip
                # The first page, the default, is served at the root.
                where = "" if path == "overview" else path
                try:
                    seen[path] = open_page(browser, f"{base}/{where}{query}", labels)
                finally:
                    browser.save_screenshot(str(ARTIFACTS_DIR / f"{path}.png"))
            by_country, _ = open_page(
                browser, f"{base}/{query}&country={country}", ["Overview", "Net revenue"]
            )

        # Full mode, as a user asks for it: the command applies PHC_BI_PII before it serves.
        with dashboard(url, tmp_path / "home_full", pii="full") as base:
            _, full_customers = open_page(
                browser, f"{base}/customers{query}", ["Customers", "Top customers", top_email]
            )
            browser.save_screenshot(str(ARTIFACTS_DIR / "customers_full_pii.png"))
    finally:
        browser.quit()

    metrics, _ = seen["overview"]
    assert amount(metrics["Net revenue"]) == round(revenue, 2)
    assert int(metrics["Orders"].replace(",", "")) == orders
    assert amount(metrics["Average order value"]) == round(revenue / orders, 2)
    assert amount(by_country["Net revenue"]) == round(country_revenue, 2)
    assert int(by_country["Orders"].replace(",", "")) == country_orders < orders

    _, product_lines = seen["products"]
    # The first product listed under the table's header row is the top one.
    header = product_lines.index("Top products by revenue")
    assert product_lines[header + 1 : header + 6] == [
        "product", "quantity", "net_revenue", "margin", top_product
    ]  # fmt: skip

    metrics, customer_lines = seen["customers"]
    assert int(metrics["Customers"].replace(",", "")) == customers
    assert "Emails hashed (SHA-256) and names as initials: PHC_BI_PII=masked." in customer_lines
    assert not any("@" in line for line in customer_lines)  # no address shown, hashes only
    assert top_email_hash in customer_lines and top_email not in customer_lines
    assert "Emails and names in full: PHC_BI_PII=full." in full_customers
    assert top_email in full_customers and top_email_hash not in full_customers

    metrics, _ = seen["anomalies"]
    assert int(metrics["Flagged days in the range"]) == flagged

    metrics, health_lines = seen["health"]
    assert metrics["Checks failing"] == "1" and metrics["Checks passed"] == "1"
    assert int(metrics["Quarantined records"].replace(",", "")) == quarantined
    assert PLANTED_CHECK in health_lines
    assert any(line.startswith("orders") for line in health_lines)  # the sync of orders


def test_the_command_refuses_to_serve_as_a_superuser_in_one_line(
    migrated_database: str, tmp_path: Path
):
    env = {
        **os.environ,
        settings.ENV_DATABASE_URL: migrated_database,
        settings.ENV_HOME: str(tmp_path),
        # Pointed at the admin login, as a user could by mistake.
        settings.ENV_BI_DATABASE_URL: migrated_database,
    }
    out = subprocess.run(
        [CLI, "dashboard", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a superuser" in lines[0] and "PHC_BI_DATABASE_URL" in lines[0]
