"""Which PostgreSQL the project talks to: the one in the environment, or the embedded one.

- ``PHC_DATABASE_URL`` set: the warehouse is there (any PostgreSQL 15+).
- ``DAGSTER_PG_URL`` set: Dagster keeps its runs and events there.
- Either unset: the embedded server under ``.phc/pg`` is started or reused, with one database
  for the warehouse and one for Dagster.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse.embedded import EmbeddedPostgres


def embedded() -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.phc_home() / "pg")


def _embedded_database_url(database: str) -> str:
    server = embedded().ensure_running()
    embedded().ensure_database(database)
    return server.url(database)


def _check_scheme(url: str, variable: str) -> str:
    scheme = urlsplit(url).scheme
    if not scheme.startswith("postgres"):
        raise PhcError(
            f"{variable} must be a postgresql:// URL (got a '{scheme or 'no'}' scheme);"
            " e.g. postgresql://user:password@host:5432/dbname"
        )
    return url


def warehouse_url() -> str:
    """A libpq URL for the warehouse database."""
    url = os.environ.get(settings.ENV_DATABASE_URL)
    if url:
        return _check_scheme(to_libpq(url), settings.ENV_DATABASE_URL)
    return _embedded_database_url(settings.WAREHOUSE_DB)


def dagster_storage_url() -> str:
    """A SQLAlchemy URL for Dagster's own storage (dagster-postgres)."""
    url = os.environ.get(settings.ENV_DAGSTER_PG_URL)
    if url:
        return to_sqlalchemy(_check_scheme(url, settings.ENV_DAGSTER_PG_URL))
    return to_sqlalchemy(_embedded_database_url(settings.DAGSTER_DB))


def to_sqlalchemy(url: str) -> str:
    """Pin the psycopg2 driver: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, with
    which dagster-postgres fails on every event write."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2"))


def to_libpq(url: str) -> str:
    """libpq (psycopg, dbt) does not understand SQLAlchemy's driver suffix."""
    parts = urlsplit(url)
    if "+" in parts.scheme:
        return urlunsplit(parts._replace(scheme="postgresql"))
    return url


def redact(url: str) -> str:
    """The URL with its password replaced, for logs, errors and metadata."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
