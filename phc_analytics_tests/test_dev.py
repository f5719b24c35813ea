"""`phc-analytics dev` writes its state under PHC_HOME, never into the checkout."""

import os
import subprocess
import sys
from pathlib import Path

from phc_analytics import settings
from phc_analytics.warehouse.location import to_sqlalchemy

ROOT = settings.project_root()
# Not state: the venv, git, caches, the test suite's own server, the dbt manifest (built from
# the checkout's sources, for every state folder alike).
IGNORED = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "test-artifacts"}
IGNORED_PATHS = {ROOT / ".phc" / "test_pg", ROOT / "sql" / "dbt" / "target"}

PREPARE = """
import json
from phc_analytics.dev import prepare_dev
launch = prepare_dev("127.0.0.1", 3999)
print(json.dumps({"argv": launch.argv, "cwd": str(launch.cwd)}))
"""


def checkout_files() -> dict[str, int]:
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in IGNORED and here / d not in IGNORED_PATHS]
        for name in files:
            path = here / name
            found[str(path.relative_to(ROOT))] = path.stat().st_mtime_ns
    return found


def test_dev_preparation_writes_nothing_into_the_checkout(empty_database: str, tmp_path: Path):
    import json

    home = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PHC_DAGSTER_STORAGE")}
    env.update({
        settings.ENV_HOME: str(home),
        settings.ENV_DATABASE_URL: empty_database,
        settings.ENV_DAGSTER_PG_URL: to_sqlalchemy(empty_database),
    })  # fmt: skip
    before = checkout_files()
    out = subprocess.run(
        [sys.executable, "-c", PREPARE], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert checkout_files() == before
    launch = json.loads(out.stdout.strip().splitlines()[-1])
    assert launch["cwd"] == str(home)
    # `dagster dev` starts in PHC_HOME and reads the .env there: Dagster's home is in it too.
    dotenv = dict(
        line.split("=", 1) for line in (home / ".env").read_text().splitlines() if "=" in line
    )
    assert Path(dotenv["DAGSTER_HOME"]).parent == home
    assert (Path(dotenv["DAGSTER_HOME"]) / "dagster.yaml").read_text() == (
        ROOT / "dagster.yaml"
    ).read_text()
    assert Path(dotenv["PHC_DAGSTER_STORAGE"]).is_relative_to(home)
