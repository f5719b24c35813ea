"""`phc-analytics export` at the bench's scale: each format's wall time, peak RSS, rows written.

The export runs as a user runs it, a child process `phc-analytics export --format F --out DIR`
with the bench's database in PHC_DATABASE_URL, so it logs in as phc_bi (a trusted local login on
the embedded server; PHC_BI_PASSWORD otherwise, applied to the role here as `migrate` would).

Its peak RSS is the child's own ``VmHWM`` (the high-water mark of its resident memory), read
from /proc/<pid>/status while it runs: ``ru_maxrss`` from ``wait4`` or RUSAGE_CHILDREN would
fold in the benchmark's own image, which the child starts as a fork of (sync_child.py). The
mark only grows, so the last reading before the child exits is its peak, short of what it grew
in the last poll interval.

xlsx takes only the marts within Excel's row limit (at 1M orders the line fact is not) and
within XLSX_BENCH_MAX_ROWS, named with --marts: the export refuses the whole run when one does
not fit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from phc_analytics import settings

FORMATS = ("csv", "parquet", "xlsx")
# openpyxl writes 50-70k cells a second: every mart that fits Excel at 1M orders (the customers,
# their months, the basket counts) would take the xlsx step past twenty minutes. The bench times
# xlsx on the marts someone opens in Excel, the aggregates and dimensions up to this size.
XLSX_BENCH_MAX_ROWS = 200_000
POLL_S = 0.02
CLI = Path(sys.executable).parent / "phc-analytics"
_TOTAL = re.compile(
    r"^exported (?P<rows>[\d,]+) rows from (?P<marts>\d+) marts, (?P<bytes>[\d,]+) bytes,"
    r" in (?P<seconds>[\d.]+) s$",
    re.MULTILINE,
)
# A row of the summary table: mart, rows, bytes, seconds between box-drawing bars.
_ROW = re.compile(r"^[│|]\s*(\w+)\s*[│|]\s*([\d,]+)\s*[│|]\s*([\d,]+)\s*[│|]\s*([\d.]+)\s*[│|]$")


@dataclass
class ExportRun:
    fmt: str
    seconds: float  # the child's wall time, start-up included
    peak_rss_mb: float
    rows: int
    marts: int
    bytes: int
    per_mart: dict[str, tuple[int, float]] = field(default_factory=dict)  # rows, seconds
    left_out: dict[str, int] = field(default_factory=dict)  # xlsx: marts over the row limit


def parse_summary(stdout: str) -> tuple[int, int, int, dict[str, tuple[int, float]]]:
    """Rows, marts and bytes from the export's last line, and each mart's rows and seconds from
    its table; a missing last line is an error (the export's output changed)."""
    totals = _TOTAL.findall(stdout)
    if not totals:
        raise ValueError("no 'exported N rows from M marts' line in the export's output")
    rows, marts, size, _ = totals[-1]
    per_mart = {
        match.group(1): (int(match.group(2).replace(",", "")), float(match.group(4)))
        for match in map(_ROW.match, stdout.splitlines())
        if match
    }
    return int(rows.replace(",", "")), int(marts), int(size.replace(",", "")), per_mart


def peak_rss_kb(pid: int) -> int | None:
    """The process's resident high-water mark (VmHWM), or None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``command``; its wall seconds, its peak RSS in MB and its stdout. A failure raises
    with the end of its stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=settings.project_root(), env=env, stdout=out, stderr=err
        )
        peak = 0
        try:
            while process.poll() is None:
                peak = max(peak, peak_rss_kb(process.pid) or 0)
                time.sleep(POLL_S)
        finally:
            if process.poll() is None:  # interrupted: no export left running behind the bench
                process.kill()
                process.wait()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            tail = err.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{command[0]} failed ({process.returncode}): " + "\n".join(tail))
        return seconds, peak / 1024, out.read().decode(errors="replace")


def bi_readable_counts(db_url: str) -> dict[str, int]:
    """Rows of each mart phc_bi may read (counted as the bench's admin login)."""
    from phc_analytics.export.marts import SCHEMA
    from phc_analytics.warehouse.roles import ROLES

    with psycopg.connect(db_url, autocommit=True) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace"
                " AND relkind IN ('r', 'v', 'm', 'p') AND NOT relispartition"
                " AND has_table_privilege(%s, oid, 'SELECT') ORDER BY relname",
                (SCHEMA, ROLES["bi"].name),
            ).fetchall()
        ]
        return {
            name: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, name))
            ).fetchone()[0]
            for name in names
        }


def run_export(db_url: str, fmt: str, out_dir: Path, marts: list[str] | None = None) -> ExportRun:
    command = [str(CLI), "export", "--format", fmt, "--out", str(out_dir)]
    if marts is not None:
        command += ["--marts", ",".join(marts)]
    env = {**os.environ, settings.ENV_DATABASE_URL: db_url}
    seconds, peak_mb, stdout = run_measured(command, env)
    rows, count, size, per_mart = parse_summary(stdout)
    return ExportRun(fmt, seconds, peak_mb, rows, count, size, per_mart)


def run_exports(db_url: str, work: Path, formats: tuple[str, ...] = FORMATS) -> list[ExportRun]:
    """Each format once, every mart phc_bi reads (xlsx: those that fit), files deleted after."""
    from phc_analytics.export.writers import too_many_for_excel
    from phc_analytics.warehouse.migrations import set_role_passwords
    from phc_analytics.warehouse.roles import ROLES

    bi = ROLES["bi"]
    if bi.password():
        set_role_passwords(db_url, {bi.name: bi.password()})
    runs = []
    for fmt in formats:
        out_dir = work / f"export_{fmt}"
        try:
            if fmt == "xlsx":
                counts = bi_readable_counts(db_url)
                fits = [
                    name
                    for name, rows in counts.items()
                    if not too_many_for_excel(rows) and rows <= XLSX_BENCH_MAX_ROWS
                ]
                run = run_export(db_url, fmt, out_dir, fits)
                run.left_out = {n: r for n, r in counts.items() if n not in fits}
            else:
                run = run_export(db_url, fmt, out_dir)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)  # a CSV of the 1M lines is gigabytes
        runs.append(run)
    return runs
