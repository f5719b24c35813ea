"""The dbt project under ``sql/dbt`` and its manifest.

``dagster dev`` re-parses the project on start (``prepare_if_dev``), so model edits show up
without a manual ``dbt parse``. Elsewhere the manifest comes from the set-up (``make``), and as
a last resort it is built here on first import: a fresh checkout must load without a manual
step, and parsing needs no database.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from phc_analytics import settings

DBT_PROJECT_DIR = settings.sql_dir() / "dbt"

# dbt must never phone home (the project runs offline); this covers the parse run by
# prepare_if_dev too, whose environment is this process's.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

# dagster-dbt's preparer runs `dbt` from PATH. `make dev` and the console script run the venv's
# interpreter without activating the venv, so its bin folder may be missing from PATH.
_VENV_BIN = Path(sys.executable).parent
if shutil.which("dbt") is None and (_VENV_BIN / "dbt").exists():
    os.environ["PATH"] = f"{_VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _manifest_is_stale() -> bool:
    """Missing, or older than a file it is parsed from (the Makefile's rule for it)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        sources += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)


# Under `dagster dev` every process that imports the code location (the code server, and each
# run worker) would re-parse the project: 10-40 s per run on a small machine, which kept a shop
# change from reaching the marts within minutes. Parse only when a model changed since.
if _manifest_is_stale():
    dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)
