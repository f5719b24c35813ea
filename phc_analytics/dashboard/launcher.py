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
        # An unexpected error shows its message, never a traceback with the code's internals.
        "--client.showErrorDetails", "type",
        "--theme.base", "light",
    ]  # fmt: skip
    # The web server gets the BI role's connection and no other secret: not the warehouse's
    # admin URL, the shop's key or the other roles' passwords.
    secrets = {s.name for s in settings.SETTINGS if s.secret}
    env = {name: value for name, value in os.environ.items() if name not in secrets}
    env |= {
        settings.ENV_BI_DATABASE_URL: bi_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    return Launch(argv, env)


def check_read_only(bi_url: str) -> None:
    """Refuse, in one line, to serve the dashboard as a superuser or a role that can write."""
    from phc_analytics.dashboard.queries import read_only_problem
    from phc_analytics.errors import PhcError
    from phc_analytics.warehouse.connection import open_connection

    with open_connection(
        bi_url, what="the warehouse (as phc_bi)", variable=settings.ENV_BI_DATABASE_URL
    ) as conn:
        problem = read_only_problem(conn)
    if problem:
        raise PhcError(problem)
