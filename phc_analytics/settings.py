"""Where things live, and every environment variable the project reads.

Every path the project writes by default sits under ``.phc/`` at the project root, so a
clone is self-contained and ``rm -rf .phc`` is a full reset.

``SETTINGS`` is the one registry of environment variables: code, dbt's profile and
``dagster.yaml`` read only names listed there (phc_analytics_tests/test_settings.py scans
them), and README.md's table is ``markdown_table()``: ``python -m phc_analytics.settings``
prints it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Names, as constants so that code, docs and resources agree; each one is in SETTINGS below.
ENV_DATABASE_URL = "PHC_DATABASE_URL"
ENV_DAGSTER_PG_URL = "DAGSTER_PG_URL"
ENV_PRESTASHOP_URL = "PRESTASHOP_URL"
ENV_PRESTASHOP_WS_KEY = "PRESTASHOP_WS_KEY"
ENV_SHOPS_FILE = "PHC_SHOPS_FILE"
ENV_REPORTING_CURRENCY = "PHC_REPORTING_CURRENCY"
ENV_ETL_PASSWORD = "PHC_ETL_PASSWORD"  # noqa: S105 (a variable name)
ENV_BI_PASSWORD = "PHC_BI_PASSWORD"  # noqa: S105 (a variable name)
ENV_HOME = "PHC_HOME"
ENV_START_DATE = "PHC_START_DATE"
ENV_QUALITY_REPORT = "PHC_QUALITY_REPORT"
ENV_DBT_THREADS = "PHC_DBT_THREADS"
ENV_DAGSTER_HOME = "DAGSTER_HOME"
ENV_DAGSTER_STORAGE = "PHC_DAGSTER_STORAGE"
ENV_EVENT_BATCH_SIZE = "DAGSTER_EVENT_BATCH_SIZE"
ENV_TEST_DATABASE_URL = "PHC_TEST_DATABASE_URL"
ENV_BENCH_DATABASE_URL = "PHC_BENCH_DATABASE_URL"
ENV_HYPOTHESIS_PROFILE = "HYPOTHESIS_PROFILE"
ENV_SWEEP_CRON = "PHC_SWEEP_CRON"
ENV_SWEEP_MAX_REMOVED_SHARE = "PHC_SWEEP_MAX_REMOVED_SHARE"
ENV_BI_PII = "PHC_BI_PII"
ENV_BI_DATABASE_URL = "PHC_BI_DATABASE_URL"
BI_PII_MODES = ("masked", "full")
DEFAULT_SWEEP_CRON = "45 2 * * *"
DEFAULT_SWEEP_MAX_REMOVED_SHARE = 0.2

# dbt's profile (sql/dbt/profiles.yml) reads these; the dbt resource sets them for each
# invocation from the warehouse URL (transform/resources.py, profile_env).
_DERIVED = "derived from the warehouse URL on every dbt run (set it only to run dbt by hand)"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # what applies when the variable is unset, in words
    meaning: str
    secret: bool = False  # the value (or part of it) is a secret: never printed or logged


SETTINGS: tuple[Setting, ...] = (
    Setting(
        ENV_DATABASE_URL,
        "embedded server, database `phc_warehouse`",
        "the warehouse, any PostgreSQL 15+: a URL (`postgresql://user:pw@host:5432/db`, the"
        " password may also be `?password=...`) or libpq keywords (`host=... dbname=... user=...`)",
        secret=True,
    ),
    Setting(
        ENV_DAGSTER_PG_URL,
        "embedded server, database `phc_dagster`",
        "Dagster's runs, events and schedules; scheme `postgresql+psycopg2://` (a plain"
        " `postgresql://` URL or libpq keywords are converted)",
        secret=True,
    ),
    Setting(
        ENV_PRESTASHOP_URL,
        "the built-in demo shop",
        "the shop's base URL (the API is under `/api/`); set it with `PRESTASHOP_WS_KEY`",
    ),
    Setting(
        ENV_PRESTASHOP_WS_KEY,
        "the demo shop's key",
        "the shop's 32-character Webservice key",
        secret=True,
    ),
    Setting(
        ENV_SHOPS_FILE,
        "unset: one shop, from `PRESTASHOP_URL` (or the demo shop)",
        "a YAML file listing the shops: name, url, the variable holding each key (`key_env`),"
        " the stores to report (`stores: [1, 3]`: staging and the marts keep those, raw every"
        " store), time zone, currency (docs/shops.md); the keys stay in the environment. Each"
        " name is the `shop` of its rows in raw, staging and the marts; with several shops the"
        " raw assets are partitioned shop by day and `phc-analytics run` syncs each in turn",
    ),
    Setting(
        ENV_REPORTING_CURRENCY,
        "the default currency (PS_CURRENCY_DEFAULT) of the first shop by name",
        "the ISO code (e.g. `EUR`) of the currency the marts' money is in: each order is converted"
        " at its own rate to its store's currency, then at the rate of its day (docs/models.md,"
        " Currencies); changing it rebuilds the marts",
    ),
    Setting(
        ENV_ETL_PASSWORD,
        "none (the role exists, without a password)",
        "the password `phc-analytics migrate` gives the `phc_etl` role",
        secret=True,
    ),
    Setting(
        ENV_BI_PASSWORD,
        "none (the role exists, without a password)",
        "the password `phc-analytics migrate` gives the `phc_bi` role",
        secret=True,
    ),
    Setting(
        ENV_BI_PII,
        "`masked`",
        "what the `phc_bi` role (BI tools, the dashboard, exports) sees of customers' emails and"
        " names: `masked` reads `analytics.dim_customer_masked` (SHA-256 of the email, initials)"
        " and cannot read `dim_customer`; `full` reads both",
    ),
    Setting(
        ENV_BI_DATABASE_URL,
        "the warehouse URL with the `phc_bi` login and `PHC_BI_PASSWORD`",
        "the connection the dashboard reads the marts with (`phc-analytics dashboard` sets it);"
        " set it to point the dashboard at another warehouse or role",
        secret=True,
    ),
    Setting(
        ENV_HOME,
        "`.phc/` in the project",
        "where local state goes: embedded PostgreSQL, demo shop, Dagster's home, logs, quality"
        " report, `.env`",
    ),
    Setting(
        ENV_START_DATE,
        "January 1st three years back",
        "the first day (YYYY-MM-DD) of the raw assets' daily partitions",
    ),
    Setting(
        ENV_QUALITY_REPORT,
        "`quality_report.json` in `PHC_HOME`",
        "where the `quality_report` asset writes the report and `phc-analytics status` reads it",
    ),
    Setting(ENV_DBT_THREADS, "4", "how many models dbt builds at once"),
    Setting(
        ENV_SWEEP_CRON,
        f"`{DEFAULT_SWEEP_CRON}` (nightly)",
        "when the `delete_sweep` schedule lists every id of the shop to find deleted records;"
        " the nightly re-read (02:30) sweeps too, and a resource swept in the last 50 minutes"
        " is skipped",
    ),
    Setting(
        ENV_SWEEP_MAX_REMOVED_SHARE,
        f"{DEFAULT_SWEEP_MAX_REMOVED_SHARE}",
        "a sweep that finds more than this share of a resource's ids gone (and over 100)"
        " stops without marking anything: raise it for one sweep after a real mass delete",
    ),
    Setting(
        ENV_DAGSTER_HOME,
        "`dagster_home` in `PHC_HOME` (with a copy of the project's `dagster.yaml`)",
        "Dagster's instance folder",
    ),
    Setting(
        ENV_DAGSTER_STORAGE,
        "`dagster_storage` in `PHC_HOME`",
        "Dagster's local artifacts and compute logs (`dagster.yaml`)",
    ),
    Setting(
        ENV_EVENT_BATCH_SIZE,
        "1000",
        "Dagster writes asset events in batches this large (a backfill emits one per"
        " partition and asset)",
    ),
    Setting("PHC_DBT_HOST", "127.0.0.1", f"dbt's warehouse host; {_DERIVED}"),
    Setting("PHC_DBT_PORT", "5432", f"dbt's warehouse port; {_DERIVED}"),
    Setting("PHC_DBT_USER", "postgres", f"dbt's warehouse user; {_DERIVED}"),
    Setting("PHC_DBT_DBNAME", "phc_warehouse", f"dbt's warehouse database; {_DERIVED}"),
    Setting("PHC_DBT_SSLMODE", "prefer", f"dbt's libpq sslmode; {_DERIVED}"),
    Setting(
        "DBT_ENV_SECRET_PHC_PASSWORD",
        "empty",
        f"dbt's warehouse password (dbt scrubs `DBT_ENV_SECRET_*` from its logs); {_DERIVED}",
        secret=True,
    ),
    Setting(
        ENV_TEST_DATABASE_URL,
        "the tests' own embedded server, `.phc/test_pg`",
        "`make test`: an admin URL of the PostgreSQL the suite creates its databases in",
        secret=True,
    ),
    Setting(
        ENV_BENCH_DATABASE_URL,
        "the embedded server",
        "`make bench`: an admin URL of the PostgreSQL the benchmarks create their databases in",
        secret=True,
    ),
    Setting(
        ENV_HYPOTHESIS_PROFILE,
        "`ci`: derandomized, 100 examples per property",
        "`make test`: the hypothesis profile; `explore` searches with fresh randomness and"
        " 1,000 examples, keeping failures under `.phc/hypothesis`",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def sweep_max_removed_share() -> float:
    raw = os.environ.get(ENV_SWEEP_MAX_REMOVED_SHARE)
    if not raw:
        return DEFAULT_SWEEP_MAX_REMOVED_SHARE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        from phc_analytics.errors import PhcError

        raise PhcError(
            f"{ENV_SWEEP_MAX_REMOVED_SHARE}={raw!r} is not a share; use a number in (0, 1],"
            " e.g. 0.2"
        )
    return value


def bi_pii_mode() -> str:
    """``PHC_BI_PII``, checked: dbt's post-hook on dim_customer reads the same variable."""
    raw = os.environ.get(ENV_BI_PII, "")
    mode = raw.strip().lower() or BI_PII_MODES[0]
    if mode not in BI_PII_MODES:
        from phc_analytics.errors import PhcError

        raise PhcError(f"{ENV_BI_PII}={raw!r} is not a mode; use masked (the default) or full")
    return mode


def reporting_currency() -> str:
    """``PHC_REPORTING_CURRENCY``, upper-cased and checked ('' when unset: the first shop's
    default).
    dbt reads the same variable (macros/reporting_currency.sql)."""
    raw = os.environ.get(ENV_REPORTING_CURRENCY, "")
    code = raw.strip().upper()
    if code and not (len(code) == 3 and code.isascii() and code.isalpha()):
        from phc_analytics.errors import PhcError

        raise PhcError(
            f"{ENV_REPORTING_CURRENCY}={raw!r} is not an ISO 4217 code; use e.g. EUR, or unset"
            " it for the first shop's default currency"
        )
    return code


def sweep_cron() -> str:
    return os.environ.get(ENV_SWEEP_CRON) or DEFAULT_SWEEP_CRON


def markdown_table() -> str:
    """README.md's table of environment variables."""
    lines = ["| variable | meaning | default | secret |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | {s.meaning} | {s.default} | {'yes' if s.secret else ''} |")
    return "\n".join(lines) + "\n"


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


if __name__ == "__main__":
    print(markdown_table(), end="")
