"""`phc-analytics dev`: get `dagster dev` ready, writing only under PHC_HOME.

`dagster dev` starts in PHC_HOME (where it reads the `.env` written here) with Dagster's home in
PHC_HOME/dagster_home, so nothing lands in the checkout and two state folders can share one.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from phc_analytics import settings
from phc_analytics.dagster_env import apply_dagster_environment, write_dotenv
from phc_analytics.transform.project import ensure_manifest


@dataclass(frozen=True)
class DevLaunch:
    argv: list[str]
    cwd: Path


def prepare_dev(host: str, port: int) -> DevLaunch:
    """Everything `dagster dev` needs but the warehouse's migrations; returns how to start it."""
    # .env first: once applied, the defaults are in this process's environment and would look
    # like values the user exported, which never go in the file.
    write_dotenv()
    apply_dagster_environment()
    ensure_manifest()
    dagster = shutil.which("dagster") or os.path.join(os.path.dirname(sys.executable), "dagster")
    workspace = str(settings.project_root() / "workspace.yaml")
    argv = [dagster, "dev", "-w", workspace, "-h", host, "-p", str(port)]
    return DevLaunch(argv=argv, cwd=settings.phc_home())
