"""`phc-analytics docs`: dbt's documentation site for the project, generated and served.

``dbt docs generate`` writes the site (``index.html``), the manifest and the catalog (every
relation's columns and types, read from the warehouse) into its target folder, beside compiled
SQL, run results and parse state. Here that folder is a scratch one, and only the three files
the site reads are kept, in ``PHC_HOME/dbt_docs``: ``sql/dbt/target`` holds the manifest
Dagster loads the assets from, and a docs build must never replace it. The new site is swapped
in whole, so a failed build keeps the previous one and a running server never sees half a site.

dbt runs as a plain subprocess with the environment every dbt run of the project gets
(``profile_env``: the connection derived from the warehouse URL, the password in a
``DBT_ENV_SECRET_`` variable dbt scrubs from its logs) and the same partial-parse cache.
dagster-dbt's resource would add an in-process adapter and event parsing that a docs build
does not use, for seconds of start-up.

The site is served by Python's ``http.server`` rather than ``dbt docs serve``: dbt's server
loads the profile (so the warehouse password would have to be in its environment just to serve
static files), opens a browser unless told not to, prints a ``localhost`` address whatever
``--host`` says, and answers one request at a time.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from phc_analytics import settings
from phc_analytics.errors import PhcError

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
# A mart every full build creates: without it, the marts have not been built yet.
PROBE_MART = "analytics.fct_orders"
# The catalog covers models and sources. Tests stay in the manifest (the site lists them under
# their models) but are not compiled: ~260 of them would double the time, for SQL the site
# does not show. `buildable`, the project's default, would select them again.
SELECTION = (
    "--select",
    "resource_type:model resource_type:source",
    "--indirect-selection",
    "empty",
)


def docs_dir() -> Path:
    return settings.phc_home() / "dbt_docs"


@dataclass(frozen=True)
class DocsSite:
    path: Path  # the folder to serve: index.html, manifest.json, catalog.json
    marts_built: bool  # False: the catalog has no columns for the marts


def marts_built(url: str) -> bool:
    from phc_analytics.warehouse.connection import open_connection

    with open_connection(url) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (PROBE_MART,)).fetchone()
    return bool(row and row[0])


def generate(url: str, out: Path | None = None) -> DocsSite:
    """Run ``dbt docs generate`` against the warehouse at ``url`` and put the site in ``out``
    (default ``PHC_HOME/dbt_docs``). Generates even when the marts are not built: the site then
    shows every model, its description and lineage, with columns only where the warehouse has
    them. dbt's log goes to ``PHC_HOME/logs/dbt_docs``."""
    from phc_analytics.transform.project import DBT_PROJECT_DIR, dbt_executable, ensure_manifest
    from phc_analytics.transform.resources import dbt_resource, environment, profile_env

    out = out or docs_dir()
    built = marts_built(url)
    ensure_manifest()
    log_dir = settings.phc_home() / "logs" / "dbt_docs"
    log_dir.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    site = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        profile = profile_env(url)
        # The pipeline's partial-parse cache for this connection: without it dbt re-parses the
        # whole project (its parse state is keyed on the connection, the manifest's is not).
        with environment(profile):
            seed = dbt_resource(url)._partial_parse_seed(profile)
        if seed is not None:
            shutil.copy(seed, build / "partial_parse.msgpack")
        where = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        paths = ["--target-path", str(build), "--log-path", str(log_dir)]
        result = subprocess.run(
            [dbt_executable(), "docs", "generate", *where, *paths, *SELECTION],
            cwd=DBT_PROJECT_DIR,
            env={**os.environ, **profile},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PhcError(
                f"dbt docs generate failed: {_first_error(result.stdout + result.stderr)};"
                f" dbt's log: {log_dir / 'dbt.log'}"
            )
        missing = [name for name in SITE_FILES if not (build / name).exists()]
        if missing:
            raise PhcError(f"dbt docs generate wrote no {', '.join(missing)}")
        for name in SITE_FILES:
            shutil.copy(build / name, site / name)
        _swap_in(site, out)
    finally:
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(site, ignore_errors=True)
    return DocsSite(path=out, marts_built=built)


def _first_error(output: str) -> str:
    """The first line of dbt's output that names an error, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[0]


def _swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` with two renames (the old site lives until the second)."""
    old = out.with_name(f".{out.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass  # one line per request would bury the address the command printed


def make_server(path: Path, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for the site in ``path`` (not yet serving: call ``serve_forever``)."""
    if not (path / "index.html").exists():
        raise PhcError(f"no documentation site in {path}; run `phc-analytics docs` to build it")
    handler = functools.partial(_QuietHandler, directory=str(path))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise PhcError(
            f"cannot serve the documentation on {host}:{port}: {exc.strerror or exc};"
            " choose another --port"
        ) from None
