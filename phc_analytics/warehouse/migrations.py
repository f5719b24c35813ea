"""Versioned SQL migrations: ``sql/migrations/NNN_name.sql``, each applied once, in order.

``public.schema_migrations`` records every applied file with the SHA-256 of its text. A file
that was edited after it was applied stops the run: the database already holds the old
version, so the fix is a new migration, not an edit. Each file runs in its own transaction,
and a session advisory lock keeps two processes from migrating the same database at once.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from phc_analytics.errors import PhcError
from phc_analytics.warehouse.connection import open_connection

FILE_PATTERN = re.compile(r"^(?P<version>\d{3})_(?P<name>[a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every process of this project.
ADVISORY_LOCK_KEY = 7_411_020_001
DEFAULT_LOCK_TIMEOUT_S = 120.0
# Catalogs every database of a server shares. The advisory lock above is per database, so two
# databases migrated at once can both find a role missing and both create it; the loser fails
# on this index once the winner commits, and a second try of its (rolled back) file finds the
# role and goes on.
SHARED_CATALOG_CONSTRAINTS = frozenset({"pg_authid_rolname_index"})

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    version     integer     PRIMARY KEY,
    filename    text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text        NOT NULL DEFAULT current_user
)
"""


class MigrationError(PhcError):
    """The migrations on disk and in the database disagree."""


@dataclass(frozen=True)
class Migration:
    version: int
    filename: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    filename: str
    checksum: str


def discover(directory: Path) -> list[Migration]:
    """Every migration file in ``directory``, in version order."""
    migrations: dict[int, Migration] = {}
    for path in sorted(Path(directory).glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise MigrationError(
                f"{path.name}: migration files must be named NNN_lowercase_name.sql"
            )
        version = int(match["version"])
        if version in migrations:
            raise MigrationError(
                f"{path.name} and {migrations[version].filename} share version {version:03d};"
                " renumber one of them"
            )
        migrations[version] = Migration(version, path.name, path.read_text())
    return [migrations[v] for v in sorted(migrations)]


def pending(on_disk: list[Migration], applied: list[AppliedMigration]) -> list[Migration]:
    """The migrations still to apply, after checking that history was not rewritten."""
    by_version = {m.version: m for m in on_disk}
    for done in applied:
        current = by_version.get(done.version)
        if current is None:
            raise MigrationError(
                f"the database has migration {done.filename} that is not in sql/migrations;"
                " it was migrated by a newer version of phc_analytics"
            )
        if current.checksum != done.checksum:
            raise MigrationError(
                f"{current.filename} was edited after it was applied "
                f"(checksum {done.checksum[:12]} in the database, {current.checksum[:12]} on disk);"
                " restore the file and put the change in a new migration"
            )
    done_versions = {d.version for d in applied}
    return [m for m in on_disk if m.version not in done_versions]


def _acquire_lock(conn: psycopg.Connection, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)).fetchone()
        if got and got[0]:
            return
        if time.monotonic() >= deadline:
            raise MigrationError(
                f"another process has been migrating this database for over {timeout_s:.0f} s;"
                " wait for it to finish, then run `phc-analytics migrate` again"
            )
        time.sleep(0.2)


def applied_migrations(conn: psycopg.Connection) -> list[AppliedMigration]:
    rows = conn.execute(
        "SELECT version, filename, checksum FROM public.schema_migrations ORDER BY version"
    ).fetchall()
    return [AppliedMigration(*row) for row in rows]


def apply_migrations(
    url: str,
    directory: Path,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> list[str]:
    """Apply what is pending; return the file names applied (empty when up to date)."""
    on_disk = discover(directory)
    with open_connection(url, autocommit=True) as conn:
        _acquire_lock(conn, lock_timeout_s)
        try:
            # Only when missing: CREATE ... IF NOT EXISTS still needs CREATE on schema public,
            # which the ETL role running the pipeline (and checking the ledger) does not have.
            if conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()[0] is None:
                conn.execute(CREATE_LEDGER)
            todo = pending(on_disk, applied_migrations(conn))
            for migration in todo:
                try:
                    _apply_one(conn, migration)
                except psycopg.errors.UniqueViolation as exc:
                    if not lost_shared_catalog_race(exc.diag.constraint_name):
                        raise _failed(migration, exc) from exc
                    try:
                        _apply_one(conn, migration)
                    except psycopg.Error as again:
                        raise _failed(migration, again) from again
                except psycopg.Error as exc:
                    raise _failed(migration, exc) from exc
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return [m.filename for m in todo]


def lost_shared_catalog_race(constraint_name: str | None) -> bool:
    """Whether a unique violation came from another database's migration creating the same role."""
    return constraint_name in SHARED_CATALOG_CONSTRAINTS


def _apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    with conn.transaction():
        conn.execute(migration.sql)
        conn.execute(
            "INSERT INTO public.schema_migrations (version, filename, checksum)"
            " VALUES (%s, %s, %s)",
            (migration.version, migration.filename, migration.checksum),
        )


def _failed(migration: Migration, exc: psycopg.Error) -> MigrationError:
    first_line = str(exc).strip().splitlines()[0]
    return MigrationError(f"{migration.filename} failed and was rolled back: {first_line}")


def set_role_passwords(url: str, passwords: dict[str, str]) -> None:
    """Give the project's roles the passwords found in the environment.

    ``ALTER ROLE`` takes no bind parameters, so the password is quoted by psycopg; it is never
    logged or echoed.
    """
    with open_connection(url, autocommit=True) as conn:
        for role, password in passwords.items():
            conn.execute(
                sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
