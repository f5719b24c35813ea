"""Each format against the built warehouse: what the files hold is what SELECT returns."""

import csv
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from psycopg import sql

from phc_analytics.errors import PhcError
from phc_analytics.export.files import atomic_path
from phc_analytics.export.run import export_marts
from phc_analytics.export.writers import write_xlsx
from phc_analytics_tests.conftest import with_user

# COPY's CSV, the server-side cursor and the column types: they depend on the server.
pytestmark = pytest.mark.server


def scalar(conn: psycopg.Connection, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


def count(conn: psycopg.Connection, mart: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("analytics", mart))
    return conn.execute(query).fetchone()[0]


def column_names(conn: psycopg.Connection, mart: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum",
        (f"analytics.{mart}",),
    ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def admin(built_warehouse) -> Iterator[psycopg.Connection]:
    """The superuser's view of the marts, to compare the files with."""
    with psycopg.connect(built_warehouse.url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def bi(built_warehouse) -> str:
    return with_user(built_warehouse.url, "phc_bi")


def test_parquet_of_every_readable_mart_matches_select(
    admin: psycopg.Connection, bi: str, tmp_path
):
    done = export_marts(bi, "parquet", tmp_path)
    readable = {
        name: kind
        for name, kind, may in admin.execute(
            "SELECT relname, relkind::text, has_table_privilege('phc_bi', oid, 'SELECT')"
            " FROM pg_class WHERE relnamespace = 'analytics'::regnamespace"
            " AND relkind IN ('r', 'v', 'm', 'p') AND NOT relispartition"
        ).fetchall()
        if may
    }
    assert sorted(r.mart for r in done) == sorted(readable)
    assert {"fct_orders", "fct_order_lines", "product_pairs"} <= set(readable)
    for result in done:
        metadata = pq.read_metadata(result.path)
        assert metadata.num_rows == result.rows == count(admin, result.mart), result.mart
        assert metadata.schema.to_arrow_schema().names == column_names(admin, result.mart)
        assert result.bytes == result.path.stat().st_size
    orders = pq.read_table(tmp_path / "fct_orders.parquet", columns=["order_id", "net_revenue"])
    assert orders.num_rows > 1000
    # Exact to the 18th decimal (columns.py): summed as decimals, as PostgreSQL sums them.
    exported = sum(v for v in orders.column("net_revenue").to_pylist() if v is not None)
    assert exported == scalar(admin, "SELECT sum(round(net_revenue, 18)) FROM analytics.fct_orders")
    assert sorted(orders.column("order_id").to_pylist()) == [
        row[0] for row in admin.execute(
            "SELECT order_id FROM analytics.fct_orders ORDER BY 1").fetchall()
    ]  # fmt: skip
    lines = pq.read_table(tmp_path / "fct_order_lines.parquet", columns=["net_line_revenue"])
    assert sum(v for v in lines.column(0).to_pylist() if v is not None) == scalar(
        admin, "SELECT sum(round(net_line_revenue, 18)) FROM analytics.fct_order_lines"
    )


def test_csv_has_the_header_every_row_and_the_exact_amounts(
    admin: psycopg.Connection, bi: str, tmp_path
):
    done = export_marts(bi, "csv", tmp_path, ["fct_orders", "product_pairs"])
    assert [r.mart for r in done] == ["fct_orders", "product_pairs"]
    for result in done:
        with result.path.open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        assert header == column_names(admin, result.mart)
        assert len(rows) == result.rows == count(admin, result.mart)
    with (tmp_path / "fct_orders.csv").open(newline="", encoding="utf-8") as handle:
        orders = list(csv.DictReader(handle))
    exported = sum(Decimal(row["net_revenue"]) for row in orders if row["net_revenue"])
    assert exported == scalar(admin, "SELECT sum(net_revenue) FROM analytics.fct_orders")


def test_xlsx_has_the_header_and_every_row(admin: psycopg.Connection, bi: str, tmp_path):
    (done,) = export_marts(bi, "xlsx", tmp_path, ["agg_sales_monthly"])
    sheet = load_workbook(done.path, read_only=True)["agg_sales_monthly"]
    header, *rows = sheet.iter_rows(values_only=True)
    assert list(header) == column_names(admin, "agg_sales_monthly")
    assert len(rows) == done.rows == count(admin, "agg_sales_monthly") > 0
    revenue = header.index("net_revenue")
    assert sum(row[revenue] or 0 for row in rows) == pytest.approx(
        float(scalar(admin, "SELECT sum(net_revenue) FROM analytics.agg_sales_monthly"))
    )


def test_xlsx_refuses_marts_over_the_limit_before_writing_anything(
    admin: psycopg.Connection, bi: str, tmp_path
):
    marts = ["dim_date", "agg_sales_monthly", "fct_orders"]
    counts = {mart: count(admin, mart) for mart in marts}
    limit = sorted(counts.values())[1]  # the smallest fits (with its header), the others not
    with pytest.raises(PhcError) as refused:
        export_marts(bi, "xlsx", tmp_path, marts, excel_max_rows=limit)
    message = str(refused.value)
    for mart, rows in counts.items():
        assert (f"{mart} ({rows:,} rows)" in message) == (rows + 1 > limit)
    assert "--format csv" in message and "--format parquet" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_that_overflows_while_streaming_leaves_no_file(bi: str, tmp_path):
    target = tmp_path / "dim_date.xlsx"
    with (
        psycopg.connect(bi, autocommit=True) as conn,
        pytest.raises(PhcError, match="dim_date"),
        atomic_path(target) as partial,
    ):
        write_xlsx(conn, "dim_date", partial, max_rows=10)
    assert list(tmp_path.iterdir()) == []
