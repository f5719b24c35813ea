"""dbt in the test process, one parsed manifest per warehouse.

The property test runs dbt some fifty times. Through the project's resource every invocation is
a subprocess that imports dbt and loads the project again (about 10 s each on the loaded 2-core
machine, more than the build itself). Here dbt's programmatic runner is imported once, and each
database keeps a target directory of its own, so dbt's partial parse (which it discards when the
connection changes) is reused from one invocation to the next. A manifest object is not reused
across invocations: dbt marks ephemeral CTEs as injected in it, and the next compile then
refers to CTEs it no longer writes. The project, the profile and the command line are the ones
``phc-analytics run`` uses: the connection comes from the same ``profile_env``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from phc_analytics.transform.project import dbt_project
from phc_analytics.transform.resources import environment, profile_env


class DbtFailed(AssertionError):
    pass


class InProcessDbt:
    def __init__(self, url: str, target_path: Path):
        self.url = url
        self.target_path = target_path

    def __call__(self, *args: str):
        """Run one dbt command (``build``, ``run --full-refresh``...); raises when it fails,
        including when a test of ERROR severity fails."""
        from dbt.cli.main import dbtRunner

        return self._invoke(dbtRunner(), args)

    def _invoke(self, runner, args: Sequence[str]):
        common = [
            "--project-dir",
            str(dbt_project.project_dir),
            "--profiles-dir",
            str(dbt_project.profiles_dir),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.target_path / "logs"),
            "--quiet",
            # Nothing reads the artifacts or the log file (the result comes back in memory):
            # writing manifest.json, run_results.json and the log costs 1.5-2 s a build.
            "--no-write-json",
            "--log-level-file",
            "none",
        ]
        with environment(profile_env(self.url)):
            result = runner.invoke([*args, *common])
        if not result.success:
            raise DbtFailed(f"dbt {' '.join(args)} failed: {_failures(result)}")
        return result


def _failures(result) -> str:
    if result.exception is not None:
        return repr(result.exception)
    nodes = getattr(result.result, "results", None) or []
    failed = [
        f"{r.node.unique_id}: {r.status} {r.message or ''} ({r.failures} failing rows)"
        for r in nodes
        if str(r.status) not in ("success", "pass", "warn")
    ]
    return "; ".join(failed) or "no node failed (see the dbt log)"
