"""The environment Dagster's own processes need, and the ``.env`` file that carries it.

Dagster's home (its ``dagster.yaml`` and the files Dagster keeps next to it) is a folder of
``PHC_HOME``, not the checkout: two state folders sharing one checkout must not share it.
``dagster dev`` reads ``.env`` from the folder it starts in, before it opens the instance;
``phc-analytics dev`` starts it in ``PHC_HOME`` and writes the embedded defaults there, so a
bare ``dagster dev`` started in that folder finds the same PostgreSQL as ``phc-analytics``.
Only values this project derived go in the file: a URL the user exported (which may hold a
password) stays in their environment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from phc_analytics import settings
from phc_analytics.warehouse import location
from phc_analytics.warehouse.connection import open_connection

DOTENV_HEADER = "# Written by phc-analytics dev (make dev): the embedded defaults.\n"
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

    put(ENV_DAGSTER_HOME, str(settings.dagster_home()))
    # Batch asset-event writes: a backfill emits one event per partition and asset.
    put(ENV_EVENT_BATCH_SIZE, "1000")
    put(ENV_DAGSTER_STORAGE, str(settings.phc_home() / "dagster_storage"))
    env[settings.ENV_DAGSTER_PG_URL] = location.dagster_storage_url()
    if not os.environ.get(settings.ENV_DAGSTER_PG_URL):
        derived.add(settings.ENV_DAGSTER_PG_URL)
    return env, derived


def check_dagster_storage() -> None:
    """Dagster's storage answers, or one PhcError naming DAGSTER_PG_URL.

    dagster-postgres retries a failed connection for some 15 s and then raises a long
    traceback; one connection with libpq tells the same in milliseconds.
    """
    url = location.to_libpq(location.dagster_storage_url())
    open_connection(url, what="Dagster's storage", variable=settings.ENV_DAGSTER_PG_URL).close()


def install_instance_config(home: Path) -> Path:
    """The project's dagster.yaml in Dagster's home ``home``, refreshed when it changed."""
    source = settings.project_root() / "dagster.yaml"
    target = home / "dagster.yaml"
    home.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    return target


def apply_dagster_environment() -> dict[str, str]:
    """Export what Dagster needs into this process (and so its children)."""
    env, derived = dagster_environment()
    os.environ.update(env)
    if ENV_DAGSTER_HOME in derived:
        install_instance_config(Path(env[ENV_DAGSTER_HOME]))
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
    """Write the derived defaults to ``PHC_HOME/.env`` (user-set values are left out)."""
    env, derived = dagster_environment()
    path = path or settings.phc_home() / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
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
