"""The environment Dagster's own processes need, and the ``.env`` file that carries it.

``dagster dev`` reads ``.env`` from the folder it starts in, before it opens the instance, so
writing the embedded defaults there is what lets a bare ``dagster dev`` at the project root
find the same PostgreSQL as ``phc-analytics``. Only values this project derived go in the
file: a URL the user exported (which may hold a password) stays in their environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from phc_analytics import settings
from phc_analytics.warehouse import location

DOTENV_HEADER = "# Written by phc-analytics (make demo / make dev): the embedded defaults.\n"
ENV_DAGSTER_HOME = settings.ENV_DAGSTER_HOME
ENV_DAGSTER_STORAGE = settings.ENV_DAGSTER_STORAGE
ENV_EVENT_BATCH_SIZE = settings.ENV_EVENT_BATCH_SIZE


def dagster_environment() -> tuple[dict[str, str], set[str]]:
    """(variables Dagster needs, names among them that are safe to write to ``.env``)."""
    env: dict[str, str] = {}
    derived: set[str] = set()

    def put(name: str, default: str) -> None:
        value = os.environ.get(name)
        if value:
            env[name] = value
        else:
            env[name] = default
            derived.add(name)

    put(ENV_DAGSTER_HOME, str(settings.project_root()))
    # Batch asset-event writes: a backfill emits one event per partition and asset.
    put(ENV_EVENT_BATCH_SIZE, "1000")
    put(ENV_DAGSTER_STORAGE, str(settings.phc_home() / "dagster_storage"))
    if os.environ.get(settings.ENV_DAGSTER_PG_URL):
        env[settings.ENV_DAGSTER_PG_URL] = location.to_sqlalchemy(
            os.environ[settings.ENV_DAGSTER_PG_URL]
        )
    else:
        env[settings.ENV_DAGSTER_PG_URL] = location.dagster_storage_url()
        derived.add(settings.ENV_DAGSTER_PG_URL)
    return env, derived


def apply_dagster_environment() -> dict[str, str]:
    """Export what Dagster needs into this process (and so its children)."""
    env, _ = dagster_environment()
    os.environ.update(env)
    Path(env[ENV_DAGSTER_STORAGE]).mkdir(parents=True, exist_ok=True)
    return env


def merge_dotenv(existing: str, values: dict[str, str], managed: set[str]) -> str:
    """Set ``values`` in a .env text, drop the managed names not in ``values``, keep the rest."""
    kept = []
    for line in existing.splitlines():
        name = line.split("=", 1)[0].strip()
        if line.startswith(DOTENV_HEADER.strip()) or name in managed:
            continue
        kept.append(line)
    ours = [f"{name}={value}" for name, value in sorted(values.items())]
    return DOTENV_HEADER + "\n".join(ours + kept) + "\n"


def write_dotenv(path: Path | None = None) -> Path:
    """Write the derived defaults to the project's ``.env`` (user-set values are left out)."""
    env, derived = dagster_environment()
    path = path or settings.project_root() / ".env"
    existing = path.read_text() if path.exists() else ""
    managed = {
        ENV_DAGSTER_HOME,
        ENV_DAGSTER_STORAGE,
        ENV_EVENT_BATCH_SIZE,
        settings.ENV_DAGSTER_PG_URL,
    }
    values = {name: env[name] for name in derived}
    path.write_text(merge_dotenv(existing, values, managed))
    return path
