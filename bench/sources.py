"""Which SQL is measured: the committed ``sql/`` (default) or the working tree.

The checkout is shared: someone's half-done model edits must not decide the figures, so by
default the migrations and the dbt project come from ``git archive <ref> sql`` (the sha in the
report), extracted under .phc/bench/ and parsed once. ``--sql worktree`` measures ``sql/`` as it
is on disk.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from phc_analytics import settings


@dataclass(frozen=True)
class SqlTree:
    label: str  # "HEAD 1234abcd" or "working tree"
    migrations: Path
    dbt_project: Path
    manifest: Path


def _dbt_executable() -> str:
    from phc_analytics.transform.project import dbt_executable

    return dbt_executable()


def _parse(project: Path) -> Path:
    """``dbt parse`` (no database needed) so the snapshot has its own manifest."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run(
        [_dbt_executable(), "parse", "--profiles-dir", str(project), "--quiet"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    return project / "target" / "manifest.json"


@contextmanager
def sql_tree(ref: str | None, folder: Path) -> Iterator[SqlTree]:
    """The SQL at git ``ref`` (None: the working tree), for the duration of the run."""
    root = settings.project_root()
    if ref is None:
        from phc_analytics.transform.project import dbt_project

        yield SqlTree(
            "working tree",
            settings.migrations_dir(),
            settings.sql_dir() / "dbt",
            dbt_project.manifest_path,
        )
        return
    sha = subprocess.run(
        ["git", "rev-parse", "--short=12", ref],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha, "sql"], cwd=root, capture_output=True, check=True
    ).stdout
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder, prefix=f"sql_{sha}_"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(scratch, filter="data")
        project = scratch / "sql" / "dbt"
        yield SqlTree(f"{ref} {sha}", scratch / "sql" / "migrations", project, _parse(project))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
