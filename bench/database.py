"""A fresh, migrated database on the embedded PostgreSQL for each measurement, dropped after.

``PHC_BENCH_DATABASE_URL`` (an admin URL) points the benchmark at another server instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from phc_analytics import settings
from phc_analytics.warehouse import location
from phc_analytics.warehouse.migrations import apply_migrations

ENV_ADMIN_URL = settings.ENV_BENCH_DATABASE_URL
_migrations: list[Path] = []  # the run's migrations folder, when not the working tree's


def use_migrations(folder: Path) -> None:
    """Every fresh database of this run gets the migrations in ``folder``."""
    _migrations[:] = [folder]


def admin_url() -> str:
    return os.environ.get(ENV_ADMIN_URL) or location.embedded().ensure_running().url("postgres")


def server_version(admin: str) -> str:
    with psycopg.connect(admin) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


@contextmanager
def fresh_database(migrations: Path | None = None, prefix: str = "phc_bench") -> Iterator[str]:
    """The URL of a new database with the migrations applied (default: the working tree's
    sql/migrations); dropped on exit."""
    admin = admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    try:
        apply_migrations(url, migrations or next(iter(_migrations), settings.migrations_dir()))
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
