"""The ``dbt`` resource: dbt's CLI, connected to the warehouse without a password in any file.

sql/dbt/profiles.yml reads its connection from environment variables. They are derived here,
at invocation time, from the warehouse URL (``PHC_DATABASE_URL`` or the embedded server, as
everywhere else in the project) and handed to the dbt subprocess only. The password travels in
``DBT_ENV_SECRET_PHC_PASSWORD``, which dbt scrubs from its logs; the resource config shown in
the Dagster UI only holds the *name* of the variable with the URL (an ``EnvVar``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource

from phc_analytics.transform.project import dbt_executable, dbt_project
from phc_analytics.warehouse import conninfo
from phc_analytics.warehouse.resource import WarehouseResource

# The settings the profile reads (sql/dbt/profiles.yml).
PROFILE_VARIABLES = (
    "PHC_DBT_HOST",
    "PHC_DBT_PORT",
    "PHC_DBT_USER",
    "PHC_DBT_DBNAME",
    "PHC_DBT_SSLMODE",
    "DBT_ENV_SECRET_PHC_PASSWORD",
)


def profile_env(url: str, run_id: str | None = None) -> dict[str, str]:
    """Environment for dbt's profile from a libpq URL or keyword string (and the run id for
    the refresh log). libpq's own parser reads it, so every place a URL may carry a setting
    (``user:pw@``, ``?password=``, ``?host=``) counts as it does for psql."""
    params = conninfo.parse(url) or {}
    env = {
        "PHC_DBT_HOST": params.get("host") or "127.0.0.1",
        "PHC_DBT_PORT": params.get("port") or "5432",
        "PHC_DBT_USER": params.get("user") or "postgres",
        "PHC_DBT_DBNAME": params.get("dbname") or "postgres",
        "PHC_DBT_SSLMODE": params.get("sslmode") or "prefer",
        "DBT_ENV_SECRET_PHC_PASSWORD": params.get("password") or "",
        # No telemetry, whatever the user's dbt settings.
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # A test that joins a mart to a staging table (fct_orders vs stg_orders row counts) must
        # run with the mart, not with staging: dbt's default (eager) would also run it in the
        # staging build, against a mart that is not refreshed yet (or does not exist). With
        # `buildable`, a test runs once all its parents are selected or upstream of the
        # selection. dagster-dbt keeps this as the default and only overrides it for subsets.
        "DBT_INDIRECT_SELECTION": "buildable",
    }
    # libpq passes PGOPTIONS to the server: the refresh macro reads phc.run_id from the session
    # and writes it to analytics.refresh_log. (dbt-postgres sets no `options` of its own unless
    # a search_path is configured, which this profile does not.)
    env["PGOPTIONS"] = f"-c phc.run_id={run_id}" if run_id else ""
    return env


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the duration of a dbt launch, then restore the previous values.

    dagster-dbt copies ``os.environ`` when it starts the subprocess (and reads the profile
    in-process for its adapter), so this is the one place the values must exist.
    """
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class PhcDbtCliResource(DbtCliResource):
    """DbtCliResource whose invocations get the warehouse connection in their environment."""

    # As WarehouseResource.database_url: EnvVar("PHC_DATABASE_URL"), a URL, or None (embedded).
    database_url: str | None = None

    def warehouse_url(self) -> str:
        return WarehouseResource(database_url=self.database_url, migrate_on_start=False).url()

    def cli(  # type: ignore[override]
        self,
        args: Sequence[str],
        *,
        context: dg.AssetExecutionContext | dg.OpExecutionContext | None = None,
        **kwargs,
    ) -> DbtCliInvocation:
        run_id = context.run.run_id if context is not None else None
        env = profile_env(self.warehouse_url(), run_id=run_id)
        with environment(env):
            target_path = kwargs.pop("target_path", None) or self._fresh_target_path(context)
            seed = self._partial_parse_seed(env)
            if seed is not None:
                target_path.mkdir(parents=True, exist_ok=True)
                shutil.copy(seed, target_path / "partial_parse.msgpack")
            return super().cli(args, context=context, target_path=target_path, **kwargs)

    def _fresh_target_path(self, context) -> Path:
        name = context.op_execution_context.op.name if context is not None else "dbt"
        return Path(self.project_dir) / "target" / f"{name}-{uuid.uuid4().hex[:12]}"

    def _partial_parse_seed(self, env: Mapping[str, str]) -> Path | None:
        """A partial-parse file made with this connection, so dbt does not re-parse everything.

        dbt throws its partial-parse state away when the profile's connection (host, port,
        database...) differs from the one it was parsed with, and the manifest is parsed at
        set-up time with placeholder values: every run would pay a full parse (seconds per
        invocation). One parse per connection and manifest version is cached under
        target/partial_parse_cache; dbt still re-parses the files that changed since.
        """
        manifest = dbt_project.manifest_path
        if not manifest.exists():
            return None
        identity = "|".join(env[name] for name in PROFILE_VARIABLES if name.startswith("PHC_"))
        key = hashlib.sha256(f"{identity}|{manifest.stat().st_mtime_ns}".encode()).hexdigest()[:16]
        cache = Path(self.project_dir) / "target" / "partial_parse_cache"
        seed = cache / f"{key}.msgpack"
        if seed.exists():
            return seed
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as scratch:
            # Its log goes to the scratch folder too, not sql/dbt/logs: a checkout that only
            # runs the pipeline stays as cloned (test_dev.py watches it).
            where = ["--target-path", scratch, "--log-path", scratch]
            result = subprocess.run(
                [self.dbt_executable, "parse", "--quiet", *where],
                cwd=self.project_dir,
                env={**os.environ, "DBT_PROFILES_DIR": str(self.profiles_dir or self.project_dir)},
                capture_output=True,
                check=False,
            )
            produced = Path(scratch) / "partial_parse.msgpack"
            if result.returncode != 0 or not produced.exists():
                return None  # not fatal: the invocation parses in full
            partial = cache / f".{key}.{uuid.uuid4().hex}"
            shutil.copy(produced, partial)
            os.replace(partial, seed)  # atomic: concurrent runs never read a partial file
        return seed


def dbt_resource(database_url: str | None = None) -> PhcDbtCliResource:
    return PhcDbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(dbt_project.profiles_dir),
        dbt_executable=dbt_executable(),
        database_url=database_url,
    )
