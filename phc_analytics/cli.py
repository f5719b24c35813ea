"""`phc-analytics`: the project's command line.

Expected failures (bad configuration, unreachable servers, edited migrations) print one line
that says what to do, and exit 2, without a traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys

import click
from rich.console import Console
from rich.table import Table

from phc_analytics import settings
from phc_analytics.demo_shop.cli import shop
from phc_analytics.errors import PhcError
from phc_analytics.export.cli import export

# Bound to the real streams: dbt's raw log lines, which dagster-dbt echoes to sys.stdout, are
# redirected to a log file during runs, and the progress bars must not follow them there.
# Piped output (CI logs, files) gets wide tables instead of 80 columns of truncated names.
console = Console(soft_wrap=True, file=sys.stdout, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, file=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phc_analytics", prog_name="phc-analytics")
def cli() -> None:
    """PrestaShop analytics on PostgreSQL, orchestrated by Dagster.

    With no environment variables it uses the embedded PostgreSQL under .phc/ and the built-in
    demo shop. Set PHC_DATABASE_URL, DAGSTER_PG_URL, PRESTASHOP_URL and PRESTASHOP_WS_KEY to
    use real ones.
    """


def _migrate_warehouse() -> tuple[str, list[str]]:
    from phc_analytics.warehouse import location
    from phc_analytics.warehouse.connection import open_connection
    from phc_analytics.warehouse.migrations import apply_migrations, set_role_passwords
    from phc_analytics.warehouse.pii import apply_bi_pii
    from phc_analytics.warehouse.roles import passwords_from_environment

    url = location.warehouse_url()
    mode = settings.bi_pii_mode()  # a bad value stops here, before anything is written
    applied = apply_migrations(url, settings.migrations_dir())
    passwords = passwords_from_environment()
    if passwords:
        set_role_passwords(url, passwords)
    with open_connection(url, autocommit=True) as conn:
        apply_bi_pii(conn, mode)
    return location.redact(url), applied


@cli.command()
def migrate() -> None:
    """Apply the pending SQL migrations in sql/migrations to the warehouse."""
    where, applied = _migrate_warehouse()
    if applied:
        for name in applied:
            console.print(f"applied {name}")
    console.print(
        f"warehouse {where}: {'up to date' if not applied else f'{len(applied)} applied'}"
    )


def _check_dagster_storage() -> None:
    """First thing in the commands that record runs: a wrong DAGSTER_PG_URL is one line."""
    from phc_analytics.dagster_env import check_dagster_storage

    check_dagster_storage()


def _ensure_manifest() -> None:
    """Parse the dbt project if a model changed, before the code location loads."""
    from phc_analytics.transform.project import ensure_manifest, manifest_is_stale

    if manifest_is_stale():
        console.print("the dbt project changed since it was last parsed: dbt parse")
        ensure_manifest()


def _execute(
    selection: list[str] | None,
    since: str | None,
    sync_only: bool = False,
    tags: dict[str, str] | None = None,
    only_shop: str | None = None,
) -> None:
    """Run assets in-process with a progress bar per synced entity, then print a summary.
    ``sync_only``: the raw assets and their checks only (no dbt to parse or load). A shops file
    with several shops: every shop's sync (``only_shop``: that one's), then staging and the
    marts once."""
    if not sync_only:
        _ensure_manifest()
    from phc_analytics.definitions import build_defs, sync_defs

    prestashop = None
    if os.environ.get(settings.ENV_SHOPS_FILE):
        from phc_analytics.ingestion.shop_partitions import CLI_SHOP_TAG
        from phc_analytics.resources import shop_resources

        shops = shop_resources()
        if only_shop is not None:
            if only_shop not in shops:
                raise PhcError(
                    f"no shop named {only_shop!r}; the shops are: {', '.join(shops)}"
                    " (`phc-analytics shops`)"
                )
            prestashop = shops[only_shop]
            tags = {**(tags or {}), CLI_SHOP_TAG: only_shop} if len(shops) > 1 else tags
        elif len(shops) > 1:
            _execute_shops(shops, selection, since, sync_only, tags)
            return
    name = f"last_run_{only_shop}.log" if only_shop else "last_run.log"
    log_path = settings.phc_home() / "logs" / name
    defs = sync_defs(prestashop) if sync_only else build_defs(prestashop)
    summary = _run_logged(defs, selection, since, tags, log_path)
    if summary.run_id is None:
        console.print("no assets are defined yet: nothing to materialize")
        return
    _print_summary(summary)
    if not summary.success:
        raise PhcError(
            f"run {summary.run_id} failed at {summary.error or 'a step'};"
            f" the full log is in {log_path}"
        )
    console.print(f"log of this run (Dagster and dbt): {log_path}")


def _execute_shops(shops, selection, since, sync_only, tags) -> None:
    """Every shop's sync, then one run of staging and the marts over every shop's rows. The
    syncs run ``max_parallel_shops`` at a time (shops file), each `phc-analytics sync --shop`
    in a process of its own (one Dagster run per shop, tagged `phc/shop`); a shop that fails
    does not stop the others. Exits non-zero naming the shops that failed.

    Each sync reads from its shop's watermarks (or from ``since``): unlike a single shop's run
    it does not re-read the recent days no run has loaded, since Dagster's record of loaded
    partitions is per asset and the shops share the assets here."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import dagster as dg

    from phc_analytics.definitions import build_defs
    from phc_analytics.ingestion.sweep import SWEEP_TAG
    from phc_analytics.prestashop.entities import ENTITIES
    from phc_analytics.shops_file import load_shops

    raw_names = [entity.asset_name for entity in ENTITIES]
    chosen = [e.name for e in ENTITIES if e.asset_name in (selection or raw_names)]
    flags = ["--entities", ",".join(chosen)] if selection else []
    flags += ["--since", since] if since else []
    flags += ["--sweep"] if (tags or {}).get(SWEEP_TAG) else []
    logs = settings.phc_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    parallel = max(1, min(load_shops().max_parallel, len(shops)))

    def sync_one(name: str) -> tuple[str, str | None]:
        output = logs / f"sync_{name}.out"
        with output.open("w") as out:
            done = subprocess.run(
                [sys.executable, "-m", "phc_analytics.cli", "sync", "--shop", name, *flags],
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode == 0:
            return name, None
        errors = [line for line in output.read_text().splitlines() if line.startswith("error:")]
        error = errors[-1].removeprefix("error: ") if errors else f"exit {done.returncode}"
        return name, f"{error} (output: {output})"

    console.print(f"syncing {len(shops)} shops, {parallel} at a time", markup=False)
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for name, error in pool.map(sync_one, shops):
            if error is None:
                console.print(f"shop {name}: synced", markup=False)
            else:
                failed[name] = error
                console.print(f"shop {name}: failed: {error}", markup=False)
    shops_failed = "; ".join(f"shop {name} failed: {error}" for name, error in failed.items())
    if len(failed) == len(shops):
        raise PhcError(f"{shops_failed}: no shop was synced")
    if not sync_only:
        defs = build_defs(next(iter(shops.values())))
        raw_keys = {dg.AssetKey(name) for name in raw_names}
        rest = [
            k for k in defs.resolve_asset_graph().materializable_asset_keys if k not in raw_keys
        ]
        log_path = logs / "last_run.log"
        summary = _run_logged(defs, rest, None, None, log_path)
        _print_summary(summary)
        if not summary.success:
            raise PhcError(
                (f"{shops_failed}; " if failed else "")
                + f"run {summary.run_id} failed at {summary.error or 'a step'};"
                f" the full log is in {log_path}"
            )
    if failed:
        raise PhcError(
            f"{shops_failed}: the other shops were synced"
            + ("" if sync_only else " and the marts refreshed with them")
        )


def _run_logged(defs, selection, since, tags, log_path):
    """run_assets with progress bars on the terminal, and Dagster's run log and dbt's output
    (which dagster-dbt echoes to stdout) in ``log_path``: the terminal gets progress, a summary
    and, on failure, one line."""
    import dagster as dg
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from phc_analytics.ingestion.progress import RichSyncProgress
    from phc_analytics.runner import run_assets

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        Progress(*columns, console=console, transient=False) as progress,
        log_path.open("w") as log,
        contextlib.redirect_stdout(log),
    ):
        return run_assets(
            defs,
            selection=selection,
            since=since,
            resource_overrides={
                "sync_progress": dg.ResourceDefinition.hardcoded_resource(
                    RichSyncProgress(progress)
                )
            },
            log=log,
            tags=tags,
        )


def _print_summary(summary) -> None:
    table = Table(title=f"run {summary.run_id}: raw sync")
    synced = [name for name in summary.materialized if "rows_read" in summary.metadata[name]]
    columns = {
        "rows_read": "read",
        "new_versions": "new versions",
        "requests": "requests",
        "retries": "retries",
        "watermark_after": "watermark after",
    }
    # The sweep's columns only when this run swept.
    if any("sweep_removed" in summary.metadata[name] for name in synced):
        columns |= {"sweep_listed_ids": "ids listed", "sweep_removed": "removed"}
    for column in ("asset", *columns.values()):
        table.add_column(column)
    for name in synced:
        meta = summary.metadata[name]
        table.add_row(
            name,
            *(str(meta.get(key) if meta.get(key) is not None else "") for key in columns),
        )
    if synced:
        console.print(table)
    others = len(summary.materialized) - len(synced)
    if others:
        console.print(f"{others} staging and analytics models built")
    elif summary.success and synced:
        # transform/changes.py: the dbt layers build only when their inputs moved.
        console.print("no new data since the last build: no staging or analytics model rebuilt")
    if summary.partition_range:
        console.print(f"partitions {summary.partition_range[0]} .. {summary.partition_range[1]}")
    erased = sum(int(summary.metadata[n].get("erased_customers") or 0) for n in synced)
    if erased:
        console.print(f"personal data erased for {erased} customer(s) deleted in the shop")
    failed = [name for name, passed in summary.checks if not passed]
    console.print(f"checks: {len(summary.checks) - len(failed)} passed, {len(failed)} failed")
    for name in failed:
        console.print(f"  failed: {name}")


def _print_kpis() -> None:
    from phc_analytics.reporting.kpi_summary import kpi_summary
    from phc_analytics.warehouse import location
    from phc_analytics.warehouse.connection import open_connection

    with open_connection(location.warehouse_url()) as conn:
        kpis = kpi_summary(conn)
    if kpis is None:
        return
    console.print(
        f"last {kpis.days} days: net revenue {kpis.net_revenue:,.2f}, {kpis.orders} orders,"
        f" AOV {kpis.average_order_value if kpis.average_order_value is not None else '-'}"
        " (valid orders, tax excluded, shop currency)"
    )
    table = Table(title="top 5 products, last 30 days")
    for column in ("product", "name", "net revenue"):
        table.add_column(column)
    for product_id, name, revenue in kpis.top_products:
        table.add_row(str(product_id), name or "", f"{revenue:,.2f}")
    console.print(table)


@cli.command()
@click.option(
    "--sweep/--no-sweep",
    default=True,
    show_default=True,
    help="After the sync, list every id in the shop and mark the records it deleted.",
)
def run(sweep: bool) -> None:
    """Materialize the whole asset graph once and print a summary.

    Partitioned assets cover the partitions not loaded yet, up to today's. The sync is followed
    by the delete sweep (one bare id list per 20,000 ids of each resource), so the marts also
    drop what the shop deleted; --no-sweep leaves that to the schedules.
    """
    from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_TAG

    _check_dagster_storage()
    where, applied = _migrate_warehouse()
    console.print(f"warehouse {where}: {len(applied)} migration(s) applied")
    _execute(selection=None, since=None, tags={SWEEP_TAG: SWEEP_ALWAYS} if sweep else None)
    _print_kpis()


@cli.command()
@click.option(
    "--entities",
    help="Comma-separated resources to sync (default: all), e.g. orders,customers.",
)
@click.option(
    "--since",
    help="Re-read from this day (YYYY-MM-DD) on: a backfill. Default: from the watermark.",
)
@click.option(
    "--sweep",
    is_flag=True,
    help="After the sync, list every id in the shop and mark the records it deleted.",
)
@click.option(
    "--shop",
    "only",
    default=None,
    help="Sync only this shop of the shops file (every shop by default).",
)
def sync(entities: str | None, since: str | None, sweep: bool, only: str | None) -> None:
    """Sync the shop into raw.* (the raw_* assets), with a progress bar per entity."""
    from datetime import date

    from phc_analytics.prestashop.entities import ENTITIES, entity

    chosen = [entity(name.strip()) for name in entities.split(",")] if entities else ENTITIES
    if since is not None:
        try:
            since = date.fromisoformat(since).isoformat()
        except ValueError:
            raise PhcError(f"--since {since!r} is not a date; use YYYY-MM-DD") from None
    _check_dagster_storage()
    _migrate_warehouse()
    from phc_analytics.ingestion.sweep import SWEEP_ALWAYS, SWEEP_TAG

    _execute(
        selection=[e.asset_name for e in chosen],
        since=since,
        sync_only=True,
        tags={SWEEP_TAG: SWEEP_ALWAYS} if sweep else None,
        only_shop=only,
    )


@cli.command()
@click.option("--port", default=3000, show_default=True, help="Port of the Dagster UI.")
@click.option("--host", default="127.0.0.1", show_default=True)
def dev(port: int, host: str) -> None:
    """Open the Dagster UI (dagster dev) on the project's PostgreSQL."""
    from phc_analytics.dev import prepare_dev

    _check_dagster_storage()
    _migrate_warehouse()
    launch = prepare_dev(host, port)
    console.print(f"Dagster UI on http://{host}:{port} (state in {launch.cwd})")
    os.chdir(launch.cwd)
    os.execv(launch.argv[0], launch.argv)


@cli.command()
@click.option("--port", default=8080, show_default=True, help="Port of the documentation site.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Generate the site, do not serve it.")
def docs(port: int, host: str, no_serve: bool) -> None:
    """Generate dbt's documentation site (models, columns, lineage) and serve it."""
    from phc_analytics.transform import docs_site
    from phc_analytics.warehouse import location

    _migrate_warehouse()
    site = docs_site.generate(location.warehouse_url())
    if not site.marts_built:
        console.print(
            "the marts are not built yet, so the site shows no columns for them:"
            " run `make demo` (or `phc-analytics run`) first"
        )
    console.print(f"documentation site in {site.path}")
    if no_serve:
        return
    server = docs_site.make_server(site.path, host, port)
    console.print(f"serving it on http://{host}:{port} (Ctrl-C stops)", highlight=False)
    _stop_on_sigterm()
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _stop_on_sigterm() -> None:
    """SIGTERM (docker stop, a process manager, a test) stops the server as Ctrl-C does. Set
    explicitly: a SIGTERM ignored or blocked by the parent is inherited across exec, and left so
    the server would outlive the request to stop (seen once in the test suite)."""
    import signal

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@cli.command()
@click.option("--port", default=8501, show_default=True, help="Port of the dashboard.")
@click.option("--host", default="127.0.0.1", show_default=True)
def dashboard(port: int, host: str) -> None:
    """Serve the KPI dashboard (Streamlit) on the marts, read as the BI role phc_bi.

    Pages: overview, products and categories, customers, anomalies, data health; the filters
    (dates, country, channel) apply to every page and live in the URL.
    """
    from phc_analytics.dashboard.launcher import (
        bi_database_url,
        check_read_only,
        streamlit_launch,
    )
    from phc_analytics.warehouse import location

    _migrate_warehouse()
    url = os.environ.get(settings.ENV_BI_DATABASE_URL) or bi_database_url()
    check_read_only(url)
    launch = streamlit_launch(host, port, url)
    console.print(
        f"dashboard on http://{host}:{port}, reading {location.redact(url)} (Ctrl-C stops it)",
        highlight=False,
    )
    os.execve(launch.argv[0], launch.argv, launch.env)


@cli.command()
@click.option("--report", help="Path of the quality report (default: PHC_QUALITY_REPORT or .phc/).")
@click.option("--all", "show_all", is_flag=True, help="List passing checks too.")
def status(report: str | None, show_all: bool) -> None:
    """Print the latest quality report: every check's status, severity and failing count."""
    from phc_analytics.quality.report import default_report_path, read_report

    path = report or default_report_path()
    data = read_report(path)
    if data is None:
        raise PhcError(f"no quality report at {path} yet; run `phc-analytics run` first")
    rows = [c for c in data["checks"] if show_all or c["status"] != "passed"]
    table = Table(title=f"quality report {data['generated_at']}")
    for column in ("asset", "check", "status", "severity", "failing", "examples"):
        table.add_column(column)
    for check in rows:
        table.add_row(
            check["asset"],
            check["check"],
            check["status"],
            check["severity"] or "",
            "" if check["failing_count"] is None else str(check["failing_count"]),
            ", ".join(str(i) for i in check["example_ids"][:5]),
        )
    if rows:
        console.print(table)
    summary = data["summary"]
    console.print(
        f"{summary['checks']} checks: "
        + ", ".join(f"{summary[k]} {k}" for k in ("passed", "failed", "not_run") if k in summary)
        + f"; {summary['error_failures']} blocking (ERROR) failures"
    )
    if summary.get("failing_shops"):
        console.print(f"shops whose latest sync failed: {', '.join(summary['failing_shops'])}")


@cli.command()
@click.option(
    "--shop",
    "only",
    default=None,
    help="Reconcile only this shop (a name from the shops file); every shop by default.",
)
def reconcile(only: str | None) -> None:
    """Recompute orders, revenue per month, orders per state and customers from each shop's API
    and compare them with that shop's rows in the marts; exit 1 on any difference."""
    from phc_analytics.reporting.reconcile import (
        compare,
        missing_marts,
        reporting_currency_of,
        shop_figures,
        warehouse_figures,
    )
    from phc_analytics.resources import shop_resources
    from phc_analytics.shops_file import load_shops
    from phc_analytics.warehouse import location
    from phc_analytics.warehouse.connection import open_connection

    # Reading the shop takes minutes on a big one: find out first whether there is anything
    # to compare it with.
    url = location.warehouse_url()
    with open_connection(url) as conn:
        missing = missing_marts(conn)
    if missing:
        raise PhcError(
            f"the marts are not built yet ({', '.join(missing)} missing);"
            " run `phc-analytics run` first"
        )
    resources = shop_resources()
    if only is not None and only not in resources:
        raise PhcError(
            f"no shop named {only!r}; the shops are: {', '.join(resources)} (`phc-analytics shops`)"
        )
    stores = {shop.name: shop.stores for shop in load_shops().shops}
    failed = []
    for name, resource in resources.items():
        if only is not None and name != only:
            continue
        with open_connection(url) as conn:
            warehouse = warehouse_figures(conn, name)
            reporting = reporting_currency_of(conn, name)
        with resource.client() as client:
            shop = shop_figures(client, reporting, stores.get(name))
        if shop.refunds_by_month is None:
            warehouse = dataclasses.replace(warehouse, refunds_by_month=None)
            console.print(
                f"shop {name}: refunds not compared (it has no {reporting}; the marts convert"
                " its refunds through another shop's rates)"
            )
        differences = compare(shop, warehouse)
        chosen = stores.get(name)
        which = "" if chosen is None else f" (stores {', '.join(map(str, chosen))})"
        console.print(
            f"shop {name}{which}: {sum(shop.orders_by_month.values())} orders in"
            f" {len(shop.orders_by_month)} months, {shop.customers} customers; revenue"
            f" {sum(shop.revenue_by_month.values()):,.2f}"
        )
        if not differences:
            console.print(
                f"reconciled {name}: the marts match the shop (orders, revenue, refunds, states,"
                " customers, deleted customers and products)"
            )
            continue
        failed.append(name)
        table = Table(title=f"{name}: {len(differences)} differences")
        for column in ("metric", "key", "shop", "warehouse"):
            table.add_column(column)
        for d in differences:
            table.add_row(d.metric, d.key, str(d.shop), str(d.warehouse))
        console.print(table)
    if failed:
        console.print(f"not reconciled: {', '.join(failed)}")
        sys.exit(1)


@cli.group()
def db() -> None:
    """The warehouse database: where it is, and the embedded server."""


@db.command("url")
@click.option(
    "--role",
    type=click.Choice(["etl", "bi"]),
    default=None,
    help="Log in as phc_etl (the pipeline) or phc_bi (read-only on analytics, for BI tools),"
    " with PHC_ETL_PASSWORD / PHC_BI_PASSWORD. Default: the URL as configured.",
)
def db_url(role: str | None) -> None:
    """Print the warehouse URL (password hidden), e.g. for psql or a BI tool."""
    from phc_analytics.warehouse import conninfo, location
    from phc_analytics.warehouse.roles import ROLES

    url = location.warehouse_url()
    if role is not None:
        url = conninfo.with_login(url, ROLES[role].name, ROLES[role].password())
    console.print(location.redact(url), soft_wrap=True, highlight=False)


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (it restarts on the next command that needs it)."""
    from phc_analytics.warehouse import location

    location.embedded().stop()
    console.print("embedded PostgreSQL stopped")


@cli.command()
def shops() -> None:
    """Check the configured shops (PHC_SHOPS_FILE, or the single-shop variables) and list
    them; keys are never shown, only the variable that holds each."""
    from phc_analytics.shops_file import load_shops, shown_url

    configured = load_shops()
    table = Table(title=f"shops ({configured.source})")
    for column in ("name", "url", "key variable", "stores", "timezone", "currency"):
        table.add_column(column)
    for s in configured.shops:
        table.add_row(
            s.name,
            shown_url(s.url),
            f"{s.key_env} (set)" if s.key_env else "the demo shop's",
            "all" if s.stores is None else ", ".join(map(str, s.stores)),
            s.timezone or "from PS_TIMEZONE",
            s.currency or "from PS_CURRENCY_DEFAULT",
        )
    console.print(table)
    if len(configured.shops) > 1:
        console.print(
            "several shops are checked, not synced yet: the pipeline reads one shop for now"
            " (docs/shops.md)"
        )


cli.add_command(shop)
cli.add_command(export)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PhcError as exc:
        err_console.print(f"error: {exc}", soft_wrap=True, highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
