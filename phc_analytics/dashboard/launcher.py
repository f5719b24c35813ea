"""How `phc-analytics dashboard` starts Streamlit: which script, which flags, which
connection. Kept apart from the CLI so the test starts the dashboard exactly as a user does."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from phc_analytics import settings

APP = Path(__file__).with_name("app.py")


def bi_database_url() -> str:
    """The warehouse as phc_bi (read-only on analytics), never as the superuser."""
    from phc_analytics.warehouse import conninfo, location
    from phc_analytics.warehouse.roles import ROLES

    bi = ROLES["bi"]
    return conninfo.with_login(location.warehouse_url(), bi.name, bi.password())


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]


def streamlit_launch(host: str, port: int, bi_url: str) -> Launch:
    """``streamlit run`` on the dashboard's app: headless (no e-mail prompt, no browser
    opened), no usage statistics sent, no file watcher (the code does not change under a
    user)."""
    argv = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]  # fmt: skip
    env = {
        **os.environ,
        settings.ENV_BI_DATABASE_URL: bi_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    return Launch(argv, env)
