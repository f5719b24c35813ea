"""Where things live and which environment variables configure them.

Every path the project writes by default sits under ``.phc/`` at the project root, so a
clone is self-contained and ``rm -rf .phc`` is a full reset.
"""

from __future__ import annotations

import os
from pathlib import Path

# Environment variables, in one place so that docs, CLI and resources agree on names.
ENV_DATABASE_URL = "PHC_DATABASE_URL"
ENV_DAGSTER_PG_URL = "DAGSTER_PG_URL"
ENV_PRESTASHOP_URL = "PRESTASHOP_URL"
ENV_PRESTASHOP_WS_KEY = "PRESTASHOP_WS_KEY"
ENV_HOME = "PHC_HOME"
ENV_ETL_PASSWORD = "PHC_ETL_PASSWORD"  # noqa: S105 (a variable name)
ENV_BI_PASSWORD = "PHC_BI_PASSWORD"  # noqa: S105 (a variable name)

WAREHOUSE_DB = "phc_warehouse"
DAGSTER_DB = "phc_dagster"


def project_root() -> Path:
    """The checkout that holds ``pyproject.toml`` (the package is installed editable)."""
    return Path(__file__).resolve().parent.parent


def phc_home() -> Path:
    """Local state: embedded PostgreSQL data, the demo shop file, Dagster's home."""
    override = os.environ.get(ENV_HOME)
    return Path(override).resolve() if override else project_root() / ".phc"


def sql_dir() -> Path:
    return project_root() / "sql"


def migrations_dir() -> Path:
    return sql_dir() / "migrations"


def dagster_home() -> Path:
    return phc_home() / "dagster_home"


def default_shop_path() -> Path:
    return phc_home() / "demo_shop.sqlite"
