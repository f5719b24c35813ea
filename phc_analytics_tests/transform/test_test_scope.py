"""Per-row dbt tests follow the change (macros/test_scope.sql): they read the rows written since
their table last tested clean, a failure is read again until it is fixed, and
``test_every_row`` reads the whole table."""

from __future__ import annotations

import psycopg
import pytest

from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.test_incremental import latest_payload, write_raw

pytestmark = pytest.mark.server


def build_stg_orders(url: str, *extra: str) -> set[str]:
    """Build stg_orders and its tests; the tests that warned."""
    invocation = run_dbt(url, ["build", "--select", "stg_orders", *extra])
    results = invocation.get_artifact("run_results.json")["results"]
    return {r["unique_id"].split(".")[2] for r in results if r["status"] == "warn"}


# severity warn, per row: "invoice_date is null or date_add is null or invoice_date >= date_add"
INVOICED_BEFORE_ORDERED = {"invoice_date": "2001-01-01 00:00:00"}
INVOICE_CHECK = "expression_is_true_stg_orders"


def clean_through(conn: psycopg.Connection) -> int:
    (mark,) = conn.execute(
        "SELECT row_mark FROM staging.tested_through WHERE relation = 'staging.stg_orders'"
    ).fetchone()
    return mark


def edit_order(conn: psycopg.Connection, order_id: int, when: str, **fields: str) -> None:
    payload = latest_payload(conn, "orders", order_id) | {"date_upd": when, **fields}
    write_raw(conn, "orders", [payload], f"edit {when}")


def test_a_per_row_failure_is_read_again_until_fixed_and_old_rows_are_not(
    built_copy: BuiltWarehouse,
):
    url = built_copy.url
    with psycopg.connect(url, autocommit=True) as conn:
        clean = clean_through(conn)  # the full build's tests passed
        (max_mark,) = conn.execute("SELECT max(_batch_xmin) FROM staging.stg_orders").fetchone()
        assert clean >= max_mark
        bad, other = (
            r[0]
            for r in conn.execute(
                "SELECT order_id FROM staging.stg_orders ORDER BY order_id DESC LIMIT 2"
            )
        )
        (old,) = conn.execute("SELECT min(order_id) FROM staging.stg_orders").fetchone()

        original = latest_payload(conn, "orders", bad)["invoice_date"]
        edit_order(conn, bad, "2025-06-02 09:00:00", **INVOICED_BEFORE_ORDERED)
        assert any(INVOICE_CHECK in name for name in build_stg_orders(url))
        assert clean_through(conn) == clean  # a failure does not move the record

        # Another order changes: the bad one was not rewritten, and is still read.
        edit_order(conn, other, "2025-06-02 10:00:00", note="unrelated")
        assert any(INVOICE_CHECK in name for name in build_stg_orders(url))
        assert clean_through(conn) == clean

        # A row changed outside dbt keeps its mark: the per-row tests do not read it again ...
        conn.execute(
            "UPDATE staging.stg_orders SET invoice_date = date_add - interval '1 day'"
            " WHERE order_id = %s",
            (old,),
        )
        edit_order(conn, bad, "2025-06-02 11:00:00", invoice_date=original)
        assert build_stg_orders(url) == set()
        assert clean_through(conn) > clean
        # ... until a run tests every row.
        every_row = build_stg_orders(url, "--vars", '{"test_every_row": true}')
        assert any(INVOICE_CHECK in name for name in every_row)
