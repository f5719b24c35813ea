"""The Dagster resource that hands out warehouse connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
from pydantic import PrivateAttr

from phc_analytics import settings
from phc_analytics.warehouse import location
from phc_analytics.warehouse.connection import open_connection
from phc_analytics.warehouse.migrations import apply_migrations


class WarehouseResource(dg.ConfigurableResource):
    """PostgreSQL warehouse connections.

    The composition root (``phc_analytics.resources``) gives ``database_url`` as
    ``EnvVar("PHC_DATABASE_URL")``: the URL carries a password, and resource config is shown
    in the Dagster UI, which then shows the variable's name only. Without a URL (the variable
    unset), the embedded server is used. Tests pass a URL of their own.
    """

    database_url: str | None = None
    migrate_on_start: bool = True

    _url: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.migrate_on_start:
            apply_migrations(self.url(), settings.migrations_dir())

    def url(self) -> str:
        if self._url is None:
            # Dagster resolves an EnvVar when it runs the resource; direct callers (the dbt
            # resource, outside a run) resolve it here.
            value = self.database_url
            if isinstance(value, dg.EnvVar):
                value = value.get_value()
            self._url = location.to_libpq(value) if value else location.warehouse_url()
        return self._url

    @contextmanager
    def connect(self, autocommit: bool = False) -> Iterator[psycopg.Connection]:
        with open_connection(self.url(), autocommit=autocommit) as conn:
            yield conn
