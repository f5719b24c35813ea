"""A headless Chromium for the browser tests (the Dagster UI, the dashboard): Debian's chromium
and chromium-driver, which `make browser` installs, driven by Selenium, fully offline."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # This machine's network is closed: without these Chromium's own connections (updates,
    # sync, QUIC probes) are refused and can stall page loads.
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1440,900",
)
PAGE_TIMEOUT_S = 90


def chromium(user_data_dir: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        pytest.fail(
            "chromium and chromedriver are missing: `make browser` installs the Debian"
            " packages chromium and chromium-driver (make test does it first)"
        )
    options = Options()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    # Both paths given: Selenium Manager (which would go online) is not used.
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    browser.set_page_load_timeout(PAGE_TIMEOUT_S)
    return browser


def page_lines(browser) -> list[str]:
    """The page's visible text, one stripped line per label, as a user reads it."""
    body = browser.find_element("tag name", "body").text
    return [line.strip() for line in body.splitlines() if line.strip()]


# --- the dashboard (Streamlit) ------------------------------------------------------------------

# While its script runs, Streamlit shows a status widget, and grey skeletons where elements are
# still to be drawn.
STREAMLIT_BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"]'


def streamlit_healthy(base: str, process, timeout_s: float) -> bool:
    """Wait until the Streamlit server at ``base`` answers its health check; False when
    ``process`` exits first or the time runs out."""
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).text == "ok":
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    return False


# Drawn: no script running, every chart with its SVG or canvas, and every label a line of the
# page. Checked in the page itself: reading the text through WebDriver (page_lines) takes
# 0.3-0.6 s on a page of tables, which timed the harness rather than the page.
_DRAWN_JS = """
const [busy, labels] = arguments;
if (document.querySelector(busy)) return false;
for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
  if (!chart.querySelector('svg, canvas')) return false;
}
const lines = new Set(document.body.innerText.split('\\n').map((line) => line.trim()));
return labels.every((label) => lines.has(label));
"""


def streamlit_wait_drawn(browser, labels: list[str], timeout_s: float) -> bool:
    """Wait until the page is drawn (see _DRAWN_JS); False when the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if browser.execute_script(_DRAWN_JS, STREAMLIT_BUSY, labels):
            return True
        time.sleep(0.02)
    return False


def streamlit_drawn(browser, labels: list[str], timeout_s: float) -> list[str] | None:
    """The page's lines once it is drawn (streamlit_wait_drawn); None when the time runs out."""
    if not streamlit_wait_drawn(browser, labels, timeout_s):
        return None
    lines = page_lines(browser)
    return lines if all(label in lines for label in labels) else None
