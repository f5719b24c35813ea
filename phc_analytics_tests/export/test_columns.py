"""Column types: the Arrow schema comes from PostgreSQL's declarations, and values survive."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from phc_analytics.export.columns import UNCONSTRAINED_NUMERIC, Column
from phc_analytics.export.run import export_marts
from phc_analytics_tests.conftest import with_user


def numeric(typmod: int) -> Column:
    return Column("amount", "numeric", typmod, "numeric")


def test_numeric_precision_and_scale_come_from_the_typmod():
    # PostgreSQL's encoding: ((precision << 16) | scale) + 4, the scale in 11 bits.
    assert numeric((12 << 16 | 2) + 4).arrow_type == pa.decimal128(12, 2)
    assert numeric((60 << 16 | 10) + 4).arrow_type == pa.decimal256(60, 10)
    assert numeric(-1).arrow_type == UNCONSTRAINED_NUMERIC
    assert numeric((5 << 16 | (-2 & 0x7FF)) + 4).numeric_precision_scale == (5, -2)
    for beyond_arrow in ((5 << 16 | (-2 & 0x7FF)) + 4, (100 << 16 | 2) + 4):
        assert numeric(beyond_arrow).arrow_type == pa.string()
        assert numeric(beyond_arrow).as_text
    assert not numeric(-1).as_text
    assert Column("payload", "jsonb", -1, "jsonb").as_text
    assert not Column("name", "varchar", 36, "character varying(32)").as_text


PROBE = """
CREATE DOMAIN analytics.money_amount AS numeric(14, 4);
CREATE TABLE analytics.types_probe (
    id smallint, big bigint, amount numeric(12, 2), loose numeric, domain_amount
    analytics.money_amount, ratio double precision, flag boolean, day date,
    at timestamp, at_tz timestamptz, clock time, payload jsonb, label text,
    span interval, code varchar(8)
);
INSERT INTO analytics.types_probe VALUES
    (1, 9007199254740993, 12345678.91, 0.1, 1.2345, 0.5, true, '2024-02-29',
     '2024-02-29 23:59:59.123456', '2024-03-01 00:30:00+02', '13:14:15', '{"a": [1, 2]}',
     'caf' || chr(233) || ' ' || chr(1) || 'x', '1 mon 2 days', 'FR'),
    (2, NULL, -0.01, 1.0 / 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '=1+1');
GRANT SELECT ON analytics.types_probe TO phc_bi;
"""


PROBE_COLUMNS = ["id", "big", "amount", "loose", "domain_amount", "ratio", "flag", "day", "at",
                 "at_tz", "clock", "payload", "label", "span", "code"]  # fmt: skip


@pytest.fixture
def probe_url(migrated_database: str) -> str:
    with psycopg.connect(migrated_database, autocommit=True) as admin:
        admin.execute(PROBE)
    return with_user(migrated_database, "phc_bi")


@pytest.mark.server
def test_parquet_keeps_types_and_exact_values(probe_url: str, tmp_path):
    (done,) = export_marts(probe_url, "parquet", tmp_path, ["types_probe"])
    table = pq.read_table(done.path)
    assert done.rows == table.num_rows == 2
    schema = {field.name: field.type for field in table.schema}
    assert list(schema) == PROBE_COLUMNS
    assert schema["id"] == pa.int16() and schema["big"] == pa.int64()
    assert schema["amount"] == pa.decimal128(12, 2)
    assert schema["domain_amount"] == pa.decimal128(14, 4)
    assert schema["loose"] == UNCONSTRAINED_NUMERIC
    assert schema["at_tz"] == pa.timestamp("us", tz="UTC")
    assert table.schema.field("amount").metadata == {b"pg_type": b"numeric(12,2)"}
    first, second = table.to_pylist()
    assert first["big"] == 9007199254740993  # beyond float64's exact integers
    assert first["amount"] == Decimal("12345678.91") and second["amount"] == Decimal("-0.01")
    assert first["loose"] == Decimal("0.1")
    assert second["loose"] == Decimal("0." + "3" * 18)  # rounded to 18 places by the server
    assert first["domain_amount"] == Decimal("1.2345")
    assert first["day"] == date(2024, 2, 29)
    assert first["at"] == datetime(2024, 2, 29, 23, 59, 59, 123456)
    assert first["at_tz"] == datetime(2024, 2, 29, 22, 30, tzinfo=UTC)
    assert first["clock"] == time(13, 14, 15)
    assert first["payload"] == '{"a": [1, 2]}' and first["span"] == "1 mon 2 days"
    assert first["label"] == "caf\u00e9 \x01x" and first["flag"] is True
    assert all(second[name] is None for name in ("big", "flag", "day", "at_tz", "payload"))


@pytest.mark.server
def test_xlsx_writes_what_excel_can_hold(probe_url: str, tmp_path):
    (done,) = export_marts(probe_url, "xlsx", tmp_path, ["types_probe"])
    sheet = load_workbook(done.path, read_only=True)["types_probe"]
    header, first, second = sheet.iter_rows(values_only=True)
    assert header[:4] == ("id", "big", "amount", "loose")
    row = dict(zip(header, first, strict=True))
    assert row["amount"] == pytest.approx(12345678.91)
    assert row["at_tz"] == datetime(2024, 2, 29, 22, 30)  # UTC wall time: Excel has no zones
    assert row["payload"] == '{"a": [1, 2]}'
    assert row["label"] == "caf\u00e9 x"  # the control character XML cannot carry is dropped
    assert second[0] == 2 and second[1] is None
    # Text that looks like a formula (a shop visitor's name can) stays text: never evaluated.
    code = load_workbook(done.path)["types_probe"].cell(row=3, column=len(header))
    assert (code.value, code.data_type) == ("=1+1", "s")


@pytest.mark.server
def test_csv_is_postgresql_own_text_in_utc(probe_url: str, tmp_path):
    (done,) = export_marts(probe_url, "csv", tmp_path, ["types_probe"])
    lines = done.path.read_text(encoding="utf-8").splitlines()
    assert done.rows == 2 and len(lines) == 3
    assert lines[0].startswith("id,big,amount,loose,domain_amount,ratio,flag,day,at,at_tz,")
    assert "12345678.91,0.1,1.2345,0.5,t,2024-02-29," in lines[1]
    assert "2024-02-29 22:30:00+00" in lines[1]  # the export's session is in UTC
    assert '"{""a"": [1, 2]}"' in lines[1]
    assert lines[2].startswith("2,,-0.01,0.3333333333")
