"""dbt through the project's resource (``PhcDbtCliResource``) against a bench database."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

from bench.sources import SqlTree


@dataclass
class DbtRun:
    seconds: float  # wall time of the invocation (dbt start-up and parse included)
    dbt_seconds: float = 0.0  # dbt's own elapsed time (run_results.json)
    models: dict[str, float] = field(default_factory=dict)  # model name -> execution seconds
    tests: int = 0
    failures: list[str] = field(default_factory=list)  # nodes that errored or failed

    @property
    def ok(self) -> bool:
        return not self.failures


def dbt_build(
    url: str, tree: SqlTree, select: str | None = None, full_refresh: bool = False
) -> DbtRun:
    """``dbt build`` (models and their tests) through the project's dbt resource, as the dbt
    assets run it, on the dbt project of ``tree``."""
    from bench.sources import _dbt_executable
    from phc_analytics.transform.resources import PhcDbtCliResource

    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    if select:
        args += ["--select", select]
    resource = PhcDbtCliResource(
        project_dir=str(tree.dbt_project),
        profiles_dir=str(tree.dbt_project),
        dbt_executable=_dbt_executable(),
        database_url=url,
    )
    started = time.perf_counter()
    invocation = resource.cli(args, manifest=tree.manifest, raise_on_error=False)
    with contextlib.redirect_stdout(io.StringIO()):
        invocation.wait()
    seconds = time.perf_counter() - started
    run_results = invocation.get_artifact("run_results.json")
    results = run_results["results"]
    run = DbtRun(seconds, dbt_seconds=run_results.get("elapsed_time", 0.0))
    for result in results:
        unique_id = result["unique_id"]
        if unique_id.startswith("model."):
            run.models[unique_id.rsplit(".", 1)[-1]] = result["execution_time"]
        elif unique_id.startswith("test."):
            run.tests += 1
        if result["status"] in ("error", "fail", "runtime error"):
            run.failures.append(unique_id)
    return run


def now(url: str) -> datetime:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def refresh_times(url: str, since: datetime) -> dict[str, tuple[float, bool]]:
    """Seconds per mart refresh logged since ``since`` (analytics.refresh_log), and whether it
    ran CONCURRENTLY."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT view_name, extract(epoch FROM finished_at - started_at)::float8,
                   ran_concurrently
              FROM analytics.refresh_log
             WHERE started_at >= %s
             ORDER BY id
            """,
            (since,),
        ).fetchall()
    return {name: (seconds, concurrently) for name, seconds, concurrently in rows}
