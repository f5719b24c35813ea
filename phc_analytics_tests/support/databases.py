"""Databases for tests on one PostgreSQL server: empty ones, and copies of templates.

Building a warehouse (migrations, a sync, a dbt build) takes from seconds to minutes; copying
one with ``CREATE DATABASE ... TEMPLATE`` takes about a second. So each kind of warehouse is
built once per pytest session, as a template nobody connects to, and every test that writes
gets a copy of its own.

dbt re-parses the whole project when the database name it connects to changes (its partial
parse is keyed on the connection), which costs seconds per invocation. Copies therefore reuse
one name per template for the whole session: a test's copy is dropped before the next test
makes its own under the same name. The session token keeps two pytest sessions on one server
(an external PostgreSQL shared by several checkouts) apart.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql

SESSION_TOKEN = uuid.uuid4().hex[:8]


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def with_user(url: str, user: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    auth = user if password is None else f"{user}:{password}"
    host = parts.hostname or "127.0.0.1"
    netloc = f"{auth}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def create_database(admin_url: str, prefix: str = "phc_test", name: str | None = None) -> str:
    """A new empty database: ``name``, replacing any of that name, or a unique one."""
    if name is None:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    else:
        drop_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def copy_database(admin_url: str, template: str, name: str, attempts: int = 20) -> str:
    """``name`` as a fresh copy of ``template`` (replacing any database of that name).

    PostgreSQL refuses to copy a database someone is connected to. A template is only ever
    connected to while it is built, but a connection the build opened can take a moment to
    go away after it returned (dbt's adapter, a Dagster resource): wait for it, briefly."""
    drop_database(admin_url, name)
    statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)
    )
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for attempt in range(attempts):
            try:
                conn.execute(statement)
                return name
            except errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)
    raise AssertionError("unreachable")


def session_name(purpose: str) -> str:
    """The one database name a purpose uses for the whole session (see the module's note)."""
    return f"phc_{purpose}_{SESSION_TOKEN}"
