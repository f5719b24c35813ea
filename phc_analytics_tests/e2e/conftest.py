"""One real pipeline, run as a user runs it: `phc-analytics run` on a small demo shop served
over HTTP, with passwords in every URL, into fresh databases. Several tests read its results."""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from phc_analytics import settings
from phc_analytics.demo_shop import DemoShopServer
from phc_analytics.warehouse.location import to_sqlalchemy
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.support.shop import make_template
from phc_analytics_tests.test_cli import run_cli

PASSWORD = "Pw-do-not-leak-7731"


def with_password(url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Pipeline:
    work: Path
    shop: Path
    server: DemoShopServer
    warehouse: str
    dagster: str
    env: dict
    first_run: object

    def cli(self, *args: str):
        return run_cli(*args, env=self.env)


# Session-scoped: both e2e modules read the one run (a `phc-analytics run` costs most of a
# minute); the reconcile test puts back what it changes.
@pytest.fixture(scope="session")
def pipeline(pg_admin_url, tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    shop = make_template(work, orders=600, seed=17)
    names = [create_database(pg_admin_url, prefix="phc_e2e") for _ in range(2)]
    warehouse, dagster = (with_database(pg_admin_url, n) for n in names)
    apply_migrations(warehouse, settings.migrations_dir())
    try:
        with DemoShopServer(shop) as server:
            # The embedded and CI servers trust local connections: a password in the URL is
            # accepted and ignored, so the run works and we can look for it everywhere.
            env = {
                settings.ENV_DATABASE_URL: with_password(warehouse),
                settings.ENV_DAGSTER_PG_URL: to_sqlalchemy(with_password(dagster)),
                settings.ENV_PRESTASHOP_URL: server.url,
                settings.ENV_PRESTASHOP_WS_KEY: server.ws_key,
                settings.ENV_HOME: str(work / "phc"),
                "PHC_DAGSTER_STORAGE": str(work / "dagster"),
                "PHC_QUALITY_REPORT": str(work / "report.json"),
            }
            first = run_cli("run", env=env)
            yield Pipeline(work, shop, server, warehouse, dagster, env, first)
    finally:
        for name in names:
            drop_database(pg_admin_url, name)
