"""The Dagster resource that hands out warehouse connections."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
from pydantic import PrivateAttr

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse import location
from phc_analytics.warehouse.connection import open_connection
from phc_analytics.warehouse.migrations import apply_migrations


class WarehouseResource(dg.ConfigurableResource):
    """PostgreSQL warehouse connections.

    The resource is configured with the *name* of the environment variable that holds the URL,
    never with the URL itself: the URL carries a password, and resource config is shown in the
    Dagster UI. With the variable unset, the embedded server is used.
    """

    database_url_env: str = settings.ENV_DATABASE_URL
    migrate_on_start: bool = True

    _url: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.migrate_on_start:
            apply_migrations(self.url(), settings.migrations_dir())

    def url(self) -> str:
        if self._url is None:
            explicit = os.environ.get(self.database_url_env)
            if explicit:
                self._url = location.to_libpq(explicit)
            elif self.database_url_env == settings.ENV_DATABASE_URL:
                self._url = location.warehouse_url()
            else:
                raise PhcError(
                    f"{self.database_url_env} is not set; export it with the warehouse's"
                    " postgresql:// URL"
                )
        return self._url

    @contextmanager
    def connect(self, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        with open_connection(self.url(), autocommit=autocommit) as conn:
            yield conn
