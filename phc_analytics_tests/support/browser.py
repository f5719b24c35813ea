"""A headless Chromium for the browser tests (the Dagster UI, the dashboard): Debian's chromium
and chromium-driver, which `make browser` installs, driven by Selenium, fully offline."""

from __future__ import annotations

import shutil
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
