"""A mart's columns, as PostgreSQL declares them, and what each becomes in Parquet and xlsx.

The Arrow schema is fixed before the first row is read, from the column types alone, so every
batch of a streamed export has the same schema and no value decides a column's type:

| PostgreSQL | Arrow |
|---|---|
| smallint, integer, bigint | int16, int32, int64 |
| real, double precision | float32, float64 |
| numeric(p, s), 0 <= s <= p <= 38 | decimal128(p, s) (exact) |
| numeric(p, s), p <= 76 | decimal256(p, s) (exact) |
| numeric without (p, s) | decimal128(38, 18), rounded to 18 places by the server |
| boolean | bool |
| date | date32 |
| timestamp / timestamptz | timestamp[us] / timestamp[us, UTC] |
| time | time64[us] |
| bytea | binary |
| text, varchar, char | string |
| anything else (jsonb, json, uuid, interval, arrays...) | string, PostgreSQL's text form |

Unconstrained numeric is what the marts' amounts, sums and ratios are (the staging casts give
no typmod, nor do ``sum`` and division), and money must stay exact. The shop's own amounts carry
at most 12 decimals (macros/ps_cast.sql reads no more), and 18 places hold them and their sums
exactly; amounts converted to the shop's currency and ratios have more decimals (a division
gives 16 significant digits or more) and are rounded at the 18th, a billionth of a billionth of
a currency unit. 20 integer digits remain. decimal(38, 18) is also Spark's default decimal, so
the files read the same in most engines. float64 would have summed 0.1 and 0.2 to
0.30000000000000004.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pyarrow as pa
from psycopg import sql

from phc_analytics.export.marts import SCHEMA

UNCONSTRAINED_NUMERIC = pa.decimal128(38, 18)
_FIXED = {
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "time": pa.time64("us"),
    "bytea": pa.binary(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
}


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str  # pg_type.typname of the column's base type (a domain's underlying type)
    typmod: int  # -1 when none
    declared: str  # format_type(): what \d shows

    @property
    def numeric_precision_scale(self) -> tuple[int, int] | None:
        """numeric(p, s) as the typmod encodes it; None for a bare numeric."""
        if self.type_name != "numeric" or self.typmod < 4:
            return None
        packed = self.typmod - 4
        scale = packed & 0x7FF
        # PostgreSQL 15+ stores a negative scale as an 11-bit two's complement.
        return packed >> 16, scale - 0x800 if scale & 0x400 else scale

    @property
    def arrow_type(self) -> pa.DataType:
        if self.type_name == "numeric":
            declared = self.numeric_precision_scale
            if declared is None:
                return UNCONSTRAINED_NUMERIC
            precision, scale = declared
            if 0 <= scale <= precision <= 38:
                return pa.decimal128(precision, scale)
            if 0 <= scale <= precision <= 76:
                return pa.decimal256(precision, scale)
            return pa.string()
        return _FIXED.get(self.type_name, pa.string())

    @property
    def as_text(self) -> bool:
        """Whether the server should send the value in its text form (psycopg would otherwise
        load a jsonb as a dict, a uuid as a UUID, an interval as a lossy timedelta)."""
        return pa.types.is_string(self.arrow_type) and self.type_name not in _FIXED


def read_columns(conn: psycopg.Connection, mart: str) -> list[Column]:
    """The relation's columns in their order (tables, views and materialized views alike)."""
    rows = conn.execute(
        """
        SELECT a.attname,
               bt.typname,
               CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
               format_type(a.atttypid, a.atttypmod)
          FROM pg_attribute AS a
          JOIN pg_type AS t ON t.oid = a.atttypid
          JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype
                                              ELSE t.oid END
          JOIN pg_class AS c ON c.oid = a.attrelid
          JOIN pg_namespace AS n ON n.oid = c.relnamespace
         WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """,
        (SCHEMA, mart),
    ).fetchall()
    return [Column(*row) for row in rows]


def arrow_schema(columns: list[Column]) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, c.arrow_type, metadata={"pg_type": c.declared}) for c in columns]
    )


def parquet_select(columns: list[Column], mart: str) -> sql.Composed:
    """SELECT of the mart whose values psycopg loads as :func:`to_arrow` expects them.

    Numerics come as text: Arrow parses decimal strings in C++ about four times faster than it
    converts Python Decimal objects, which psycopg would have to create first."""

    def expression(column: Column) -> sql.Composable:
        name = sql.Identifier(column.name)
        if column.type_name == "numeric" and column.numeric_precision_scale is None:
            return sql.SQL("round({}, {})::text AS {}").format(
                name, sql.Literal(UNCONSTRAINED_NUMERIC.scale), name
            )
        if column.as_text or column.type_name == "numeric":
            return sql.SQL("{}::text AS {}").format(name, name)
        return name

    return _select(columns, mart, expression)


def to_arrow(column: Column, values) -> pa.Array:
    """One column of a batch of rows (as parquet_select reads them) as an Arrow array."""
    if pa.types.is_decimal(column.arrow_type):
        return pa.array(values, type=pa.string()).cast(column.arrow_type)
    return pa.array(values, type=column.arrow_type)


def xlsx_select(columns: list[Column], mart: str) -> sql.Composed:
    """SELECT of the mart in values openpyxl can write: Excel has no time zones (timestamptz
    becomes UTC wall time) and no jsonb, uuid or interval (their text form)."""

    def expression(column: Column) -> sql.Composable:
        name = sql.Identifier(column.name)
        if column.type_name == "timestamptz":
            return sql.SQL("({} AT TIME ZONE 'UTC') AS {}").format(name, name)
        if column.as_text or column.type_name == "bytea":
            return sql.SQL("{}::text AS {}").format(name, name)
        return name

    return _select(columns, mart, expression)


def _select(columns: list[Column], mart: str, expression) -> sql.Composed:
    return sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(expression(c) for c in columns), sql.Identifier(SCHEMA, mart)
    )
