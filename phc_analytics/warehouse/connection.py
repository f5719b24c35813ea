"""Opening a connection, with a failure the user can act on."""

from __future__ import annotations

import psycopg

from phc_analytics.errors import PhcError
from phc_analytics.warehouse.location import redact


def open_connection(url: str, autocommit: bool = False) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PhcError(
            f"cannot reach the warehouse at {redact(url)}: {reason}"
            " (is the server up, and PHC_DATABASE_URL right?)"
        ) from None
