"""Which PostgreSQL the project talks to: the one in the environment, or the embedded one.

- ``PHC_DATABASE_URL`` set: the warehouse is there (any PostgreSQL 15+), as a URL or as libpq
  keywords (``host=... dbname=... user=...``).
- ``DAGSTER_PG_URL`` set: Dagster keeps its runs and events there.
- Either unset: the embedded server under ``.phc/pg`` is started or reused, with one database
  for the warehouse and one for Dagster.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse import conninfo
from phc_analytics.warehouse.embedded import EmbeddedPostgres


def embedded() -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.phc_home() / "pg")


def _embedded_database_url(database: str) -> str:
    server = embedded().ensure_running()
    embedded().ensure_database(database)
    return server.url(database)


def checked(url: str, variable: str) -> str:
    """``url`` for libpq, after making sure libpq can read it (a URL or a keyword string)."""
    found = conninfo.scheme(url)
    if found is not None and not found.startswith(conninfo.URL_SCHEMES):
        raise PhcError(
            f"{variable} must be a postgresql:// URL (got a '{found}' scheme);"
            " e.g. postgresql://user:password@host:5432/dbname"
        )
    libpq = to_libpq(url)
    if conninfo.parse(libpq) is None:
        raise PhcError(
            f"{variable} is neither a postgresql:// URL nor libpq keywords; e.g."
            " postgresql://user:password@host:5432/dbname or 'host=... dbname=... user=...'"
        )
    return libpq


def warehouse_url() -> str:
    """A libpq connection string (URL or keywords) for the warehouse database."""
    url = os.environ.get(settings.ENV_DATABASE_URL)
    if url:
        return checked(url, settings.ENV_DATABASE_URL)
    return _embedded_database_url(settings.WAREHOUSE_DB)


def dagster_storage_url() -> str:
    """A SQLAlchemy URL for Dagster's own storage (dagster-postgres)."""
    url = os.environ.get(settings.ENV_DAGSTER_PG_URL)
    if url:
        return to_sqlalchemy(checked(url, settings.ENV_DAGSTER_PG_URL))
    return to_sqlalchemy(_embedded_database_url(settings.DAGSTER_DB))


def to_sqlalchemy(url: str) -> str:
    """Pin the psycopg2 driver: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, with
    which dagster-postgres fails on every event write. SQLAlchemy only reads URLs, so libpq
    keywords are rewritten as one."""
    if not conninfo.is_url(url):
        return conninfo.to_url(conninfo.parse(url) or {}, scheme="postgresql+psycopg2")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2"))


def to_libpq(url: str) -> str:
    """libpq (psycopg, dbt) does not understand SQLAlchemy's driver suffix."""
    return conninfo.without_driver(url)


def redact(url: str) -> str:
    """The URL with its password replaced (``user:pw@``, ``?password=`` or ``password=``), for
    logs, errors and metadata."""
    return conninfo.redact(url)
