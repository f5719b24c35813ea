"""`phc-analytics export`: the marts as files, one per mart (docs/exports.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

# Listed here rather than imported from writers.py: `phc-analytics --help` must not load
# psycopg or pyarrow (the other commands import their work lazily too).
FORMATS = ("csv", "parquet", "xlsx")


@click.command()
@click.option(
    "--marts",
    help="Comma-separated marts of the analytics schema, e.g. fct_orders,dim_product."
    " Default: every mart the BI role (phc_bi) can read.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="csv (COPY, with a header), parquet (typed columns, exact decimals) or xlsx (one"
    " sheet; only for marts within Excel's 1,048,576 rows).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write <mart>.<format> into (created if missing; files are replaced).",
)
def export(marts: str | None, fmt: str, out_dir: Path) -> None:
    """Write each mart of the analytics schema as one file, DIR/<mart>.<format>.

    Reads as the read-only BI role phc_bi (password PHC_BI_PASSWORD), so it exports what a BI
    tool sees: with PHC_BI_PII=masked, dim_customer_masked rather than dim_customer. Rows are
    streamed, and each file appears only once complete.
    """
    from rich.console import Console

    from phc_analytics.export.marts import parse_names
    from phc_analytics.export.run import bi_url, export_marts

    # As phc_analytics/cli.py: piped output gets a wide table, not 80 truncated columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    results = export_marts(
        bi_url(),
        fmt,
        out_dir,
        parse_names(marts),
        on_written=lambda result: console.print(f"wrote {result.path}"),
    )
    print_summary(console, results, f"export to {out_dir} ({fmt})")


def print_summary(console, results, title: str) -> None:
    """A table of the marts written, then one line of totals (bench/exports.py reads both)."""
    from rich.table import Table

    table = Table(title=title)
    for column, justify in (("mart", "left"), ("rows", "right"), ("bytes", "right"),
                            ("seconds", "right")):  # fmt: skip
        table.add_column(column, justify=justify)
    for r in results:
        table.add_row(r.mart, f"{r.rows:,}", f"{r.bytes:,}", f"{r.seconds:.2f}")
    console.print(table)
    console.print(
        f"exported {sum(r.rows for r in results):,} rows from {len(results)} marts,"
        f" {sum(r.bytes for r in results):,} bytes, in {sum(r.seconds for r in results):.2f} s"
    )
