"""One writer per format: a mart streamed from PostgreSQL to a file, in bounded memory.

Each takes a connection (autocommit; the writer opens its own transaction, which a server-side
cursor needs) and returns the number of rows written. None holds more than one batch of rows.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
from psycopg import sql

from phc_analytics.errors import PhcError
from phc_analytics.export.marts import SCHEMA

# Rows per fetch from the server-side cursor, bounded by values too: a batch in flight (psycopg's
# result, its rows as Python objects, their columns) costs about 250 bytes a value. 250,000
# values keep a Parquet export near 190 MB of RSS (120 MB of it pyarrow and its compute
# kernels), whatever the mart's size; 1M values (50,000 rows of 20 columns) took 350 MB, and
# smaller batches were no faster.
BATCH_ROWS = 50_000
BATCH_VALUES = 250_000
# Excel's sheet: 1,048,576 rows, the header included.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_SHEET_TITLE_MAX = 31


def batch_rows(column_count: int, limit: int = BATCH_ROWS) -> int:
    return max(1, min(limit, BATCH_VALUES // max(column_count, 1)))


def write_csv(conn: psycopg.Connection, mart: str, path: Path) -> int:
    """COPY TO STDOUT, header first, the server's chunks written as they arrive."""
    statement = sql.SQL("COPY (SELECT * FROM {}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
        sql.Identifier(SCHEMA, mart)
    )
    with conn.transaction(), conn.cursor() as cur, path.open("wb") as out:
        with cur.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)
        return cur.rowcount


def write_parquet(conn: psycopg.Connection, mart: str, path: Path, batch: int = BATCH_ROWS) -> int:
    """A server-side cursor read in batches, each batch one Parquet row group, with the schema
    fixed from the column types (columns.py) before the first row."""
    # Imported here: a CSV export does not need pyarrow's memory or import time.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from phc_analytics.export.columns import arrow_schema, parquet_select, read_columns, to_arrow

    columns = read_columns(conn, mart)
    schema = arrow_schema(columns)
    size = batch_rows(len(columns), batch)
    written = 0
    with (
        conn.transaction(),
        conn.cursor(name=f"phc_export_{mart}") as cur,
        pq.ParquetWriter(path, schema) as writer,
    ):
        cur.execute(parquet_select(columns, mart))
        while rows := cur.fetchmany(size):
            arrays = [
                to_arrow(column, values)
                for column, values in zip(columns, zip(*rows, strict=True), strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            written += len(rows)
    return written


def too_many_for_excel(rows: int, max_rows: int = EXCEL_MAX_ROWS) -> bool:
    return rows + 1 > max_rows  # the header takes a row


def excel_refusal(counts: dict[str, int], max_rows: int = EXCEL_MAX_ROWS) -> str:
    listed = ", ".join(f"{mart} ({rows:,} rows)" for mart, rows in counts.items())
    return (
        f"too many rows for an Excel sheet ({max_rows - 1:,} at most, under the header):"
        f" {listed}; export with --format csv or --format parquet, or leave them out of --marts"
    )


def write_xlsx(
    conn: psycopg.Connection, mart: str, path: Path, max_rows: int = EXCEL_MAX_ROWS
) -> int:
    """openpyxl's write-only workbook (rows go to a temporary file as they are appended), one
    sheet named after the mart, header first."""
    from openpyxl import Workbook

    from phc_analytics.export.columns import read_columns, xlsx_select

    columns = read_columns(conn, mart)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=mart[:EXCEL_SHEET_TITLE_MAX])
    sheet.append([c.name for c in columns])
    to_cell = _xlsx_cells(sheet)
    written = 0
    try:
        with conn.transaction(), conn.cursor(name=f"phc_export_{mart}") as cur:
            cur.execute(xlsx_select(columns, mart))
            while rows := cur.fetchmany(batch_rows(len(columns))):
                written += len(rows)
                # The count checked before the export may have grown since (a build in between).
                if too_many_for_excel(written, max_rows):
                    raise PhcError(excel_refusal({mart: written}, max_rows))
                for row in rows:
                    sheet.append([to_cell(v) for v in row])
    except BaseException:
        _discard(sheet)
        raise
    workbook.save(path)
    return written


def _xlsx_cells(sheet):
    """The function that turns a value into what an xlsx cell takes. XML 1.0 cannot carry most
    control characters (openpyxl refuses them), and openpyxl writes a string that starts with
    '=' as a formula: product and customer names come from the shop's visitors, so such text
    is written as a text cell, which Excel shows and never evaluates (formula injection)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value):
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value.startswith("="):
            return value
        text = WriteOnlyCell(sheet, value=value)
        text.data_type = "s"
        return text

    return cell


def _discard(sheet) -> None:
    """Close an abandoned write-only sheet and delete the temporary file its rows went to:
    left to the garbage collector, openpyxl closes the file before the rows' XML writer, which
    then fails writing to it, and the file stays in the temp folder until the process exits."""
    with contextlib.suppress(Exception):
        sheet.close()
    with contextlib.suppress(Exception):
        sheet._writer.cleanup()


WRITERS = {"csv": write_csv, "parquet": write_parquet, "xlsx": write_xlsx}
FORMATS = tuple(WRITERS)
