"""Opening a connection, with a failure the user can act on."""

from __future__ import annotations

import psycopg

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse.location import redact

CONNECT_TIMEOUT_S = 10


def open_connection(
    url: str,
    autocommit: bool = False,
    *,
    what: str = "the warehouse",
    variable: str = settings.ENV_DATABASE_URL,
) -> psycopg.Connection:
    """Connect to ``url``; an unreachable server or a refused login is one PhcError naming
    ``what`` and the ``variable`` to check, with the password hidden."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PhcError(
            f"cannot reach {what} at {redact(url)}: {reason}"
            f" (is the server up, and {variable} right?)"
        ) from None
