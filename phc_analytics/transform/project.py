"""The dbt project under ``sql/dbt`` and its manifest.

Importing this module only describes the project: it neither runs dbt nor touches the
environment, because every process that loads the code location imports it (the code server,
each run worker, every test). The manifest is parsed by the commands that need it, before
they load the definitions: ``make manifest`` (and the make targets built on it), and
``phc-analytics run``, ``sync`` and ``dev`` through ``ensure_manifest``, when a model changed
since the last parse.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from phc_analytics import settings
from phc_analytics.errors import PhcError

DBT_PROJECT_DIR = settings.sql_dir() / "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt next to this interpreter (the venv's), so PATH does not have to be activated."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def manifest_is_stale() -> bool:
    """Missing, or older than a file it is parsed from (the Makefile's rule for it)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        sources += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)


def ensure_manifest() -> Path:
    """Parse the project (no database needed) unless the manifest is up to date."""
    if manifest_is_stale():
        dbt = DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
        try:
            dbt.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
        except DagsterDbtCliRuntimeError as exc:
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            raise PhcError(
                f"dbt cannot parse {DBT_PROJECT_DIR}: {first.strip()}; `make manifest` shows"
                " dbt's messages"
            ) from None
    return dbt_project.manifest_path


def manifest_path() -> Path:
    """The parsed manifest the dbt assets are defined from; a clear error when there is none."""
    path = dbt_project.manifest_path
    if not path.exists():
        raise PhcError(
            f"the dbt manifest {path} is missing; run `make manifest` (or `phc-analytics run`,"
            " `sync` or `dev`, which parse the dbt project first)"
        )
    return path
