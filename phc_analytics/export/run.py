"""An export from start to end: log in as the BI role, choose the marts, write one file each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.export.files import atomic_path
from phc_analytics.export.marts import SCHEMA, choose_marts
from phc_analytics.export.writers import (
    EXCEL_MAX_ROWS,
    WRITERS,
    excel_refusal,
    too_many_for_excel,
)
from phc_analytics.warehouse.roles import ROLES


@dataclass(frozen=True)
class MartExport:
    mart: str
    path: Path
    rows: int
    bytes: int
    seconds: float


def bi_url() -> str:
    """The warehouse URL logged in as phc_bi, as `phc-analytics db url --role bi` prints it:
    the export reads what a BI tool may read, never more."""
    from phc_analytics.warehouse import conninfo, location

    bi = ROLES["bi"]
    return conninfo.with_login(location.warehouse_url(), bi.name, bi.password())


def check_excel_fits(conn, marts: list[str], max_rows: int = EXCEL_MAX_ROWS) -> None:
    """Refuse before any file is written when a mart has more rows than a sheet holds."""
    counts = {
        mart: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, mart))
        ).fetchone()[0]
        for mart in marts
    }
    over = {mart: rows for mart, rows in counts.items() if too_many_for_excel(rows, max_rows)}
    if over:
        raise PhcError(excel_refusal(over, max_rows))


def export_marts(
    url: str,
    fmt: str,
    out_dir: Path,
    names: list[str] | None = None,
    *,
    role: str = ROLES["bi"].name,
    excel_max_rows: int = EXCEL_MAX_ROWS,
    on_written: Callable[[MartExport], None] | None = None,
) -> list[MartExport]:
    """Write ``out_dir/<mart>.<fmt>`` for each chosen mart (every readable one by default)."""
    from phc_analytics.warehouse.connection import open_connection

    writer = WRITERS.get(fmt)
    if writer is None:
        raise PhcError(f"no export format {fmt!r}; use one of {', '.join(WRITERS)}")
    done: list[MartExport] = []
    with open_connection(
        url,
        autocommit=True,
        what=f"the warehouse as {role}",
        variable=f"{settings.ENV_DATABASE_URL} and {settings.ENV_BI_PASSWORD}",
    ) as conn:
        # Files that do not depend on the server's or the login's time zone.
        conn.execute("SET TIME ZONE 'UTC'")
        marts = choose_marts(conn, names, role)
        if fmt == "xlsx":
            check_excel_fits(conn, marts, excel_max_rows)
        for mart in marts:
            started = time.perf_counter()
            target = out_dir / f"{mart}.{fmt}"
            try:
                with atomic_path(target) as partial:
                    if fmt == "xlsx":
                        rows = writer(conn, mart, partial, max_rows=excel_max_rows)
                    else:
                        rows = writer(conn, mart, partial)
            except psycopg.Error as exc:
                # e.g. the mart replaced by a full refresh while it was read: the files written
                # so far stay, this one is not left half written (atomic_path).
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                raise PhcError(
                    f"exporting {mart} failed: {reason}; the marts before it were written,"
                    " run the export again"
                ) from None
            except OSError as exc:
                raise PhcError(
                    f"cannot write {target}: {exc.strerror or exc}; check --out (space, rights)"
                ) from None
            result = MartExport(
                mart, target, rows, target.stat().st_size, time.perf_counter() - started
            )
            done.append(result)
            if on_written is not None:
                on_written(result)
    return done
