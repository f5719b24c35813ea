"""Shared fixtures: a real PostgreSQL for every test that needs one.

By default the tests use their own embedded server (``.phc/test_pg``), separate from the one
``make demo`` fills. With ``PHC_TEST_DATABASE_URL`` (an admin URL, e.g.
postgresql://postgres@127.0.0.1:5432/postgres) they run against that server instead. Each test
that asks for ``empty_database`` gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase
from psycopg import sql

from phc_analytics import settings
from phc_analytics.warehouse.embedded import EmbeddedPostgres

ENV_TEST_DATABASE_URL = "PHC_TEST_DATABASE_URL"

# Property tests (hypothesis). The default profile is what CI runs: derandomized, so a run is
# reproducible from the commit alone, no example database, and a deadline per example that
# keeps each property to seconds. HYPOTHESIS_PROFILE=explore searches with fresh randomness and
# more examples, and keeps the failures it finds under .phc/hypothesis to replay them first.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=500,
    max_examples=100,
    print_blob=True,
)
hypothesis_settings.register_profile(
    "explore",
    max_examples=1000,
    deadline=2000,
    database=DirectoryBasedExampleDatabase(str(settings.project_root() / ".phc" / "hypothesis")),
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# shop_template, shop_path, shop_server, client: shared by the ingestion, quality and
# reliability tests (a folder's own conftest may override them, as demo_shop/ does).
pytest_plugins = ["phc_analytics_tests.support.shop_fixtures"]


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def with_user(url: str, user: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    auth = user if password is None else f"{user}:{password}"
    host = parts.hostname or "127.0.0.1"
    netloc = f"{auth}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    external = os.environ.get(ENV_TEST_DATABASE_URL)
    if external:
        return external
    server = EmbeddedPostgres(settings.project_root() / ".phc" / "test_pg").ensure_running()
    return server.url("postgres")


def create_database(admin_url: str, prefix: str = "phc_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database."""
    name = create_database(pg_admin_url)
    try:
        yield with_database(pg_admin_url, name)
    finally:
        drop_database(pg_admin_url, name)


@pytest.fixture
def migrated_database(empty_database: str) -> str:
    from phc_analytics.warehouse.migrations import apply_migrations

    apply_migrations(empty_database, settings.migrations_dir())
    return empty_database
