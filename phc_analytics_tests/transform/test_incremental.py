"""Incremental staging picks up raw rows by transaction id: late commits, out-of-order
versions and vanished order lines are all handled, and untouched rows are not rewritten.

Every test starts from a copy of the session's built warehouse; the versions it adds are the
shop's own payloads, edited the way PrestaShop edits them and written with the ingestion's own
``RawStore``."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import psycopg
import pytest

from phc_analytics.demo_shop.orders import history_json
from phc_analytics.ingestion.raw_store import RawStore, to_copy_rows
from phc_analytics.prestashop.entities import ENTITIES
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.dbt_runner import run_dbt

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

STAGING = ["run", "--select", "path:models/staging"]
ENTITY = {e.name: e for e in ENTITIES}
CANCELED = 6


def write_raw(conn: psycopg.Connection, entity: str, records: list[dict], run_id: str) -> None:
    """Store versions as a sync does (COPY, then the merge), in a transaction of their own."""
    raw_store(conn, entity, run_id).write(rows_of(entity, records))


def raw_store(conn: psycopg.Connection, entity: str, run_id: str) -> RawStore:
    return RawStore(conn, ENTITY[entity], run_id)  # commits its temporary table


def rows_of(entity: str, records: list[dict]):
    rows, rejected = to_copy_rows(ENTITY[entity], records)
    assert rejected == 0
    return rows


def latest_payload(conn: psycopg.Connection, entity: str, record_id: int) -> dict:
    return conn.execute(
        f"SELECT payload FROM raw.{entity} WHERE id = %s"
        " ORDER BY cursor_value DESC NULLS LAST, first_seen_at DESC LIMIT 1",
        (record_id,),
    ).fetchone()[0]


def shop_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def staged(conn: psycopg.Connection, order_id: int):
    return conn.execute(
        "SELECT current_state_id, date_upd, _batch_xmin FROM staging.stg_orders WHERE order_id = %s",  # noqa: E501
        (order_id,),
    ).fetchone()


def test_late_commit_out_of_order_version_and_removed_line(built_copy: BuiltWarehouse):
    url = built_copy.url
    with psycopg.connect(url) as conn:
        # An order with two lines or more, and another one whose state changed at least once.
        changed_id, rolled_back_id = conn.execute(
            """SELECT (SELECT order_id FROM staging.stg_order_rows GROUP BY order_id
                       HAVING count(*) >= 2 ORDER BY order_id LIMIT 1),
                      (SELECT order_id FROM staging.stg_order_histories GROUP BY order_id
                       HAVING count(*) >= 3 ORDER BY order_id DESC LIMIT 1)"""
        ).fetchone()
        assert changed_id != rolled_back_id
        changed = latest_payload(conn, "orders", changed_id)
        rolled_back = latest_payload(conn, "orders", rolled_back_id)
        untouched_before = dict(conn.execute(
            "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE order_id NOT IN (%s, %s)",
            (changed_id, rolled_back_id),
        ).fetchall())  # fmt: skip
        state_before = staged(conn, rolled_back_id)
        (last_history,) = conn.execute("SELECT max(id) FROM raw.order_histories").fetchone()

    # 1. A load that started before the next staging build but commits after it: a newer
    #    version of `changed`, cancelled, with its last line removed.
    later = datetime.fromisoformat(changed["date_upd"]) + timedelta(days=3)
    new_version = copy.deepcopy(changed)
    new_version["associations"]["order_rows"] = changed["associations"]["order_rows"][:-1]
    new_version.update(current_state=str(CANCELED), valid="0", date_upd=shop_time(later))
    history = history_json(last_history + 1, 1, CANCELED, changed_id, shop_time(later))
    late = psycopg.connect(url)
    orders, histories = (raw_store(late, e, "late-run") for e in ("orders", "order_histories"))
    late.execute("SELECT 1")  # one open transaction: the stores' own become savepoints
    orders.write(rows_of("orders", [new_version]))
    histories.write(rows_of("order_histories", [json.loads(history)]))

    # 2. Meanwhile an OLDER version of another order arrives (a replay of an old page): its
    #    state as it was at creation.
    older = copy.deepcopy(rolled_back)
    older.update(current_state="1", valid="0", date_upd=rolled_back["date_add"])
    with psycopg.connect(url, autocommit=True) as conn:
        write_raw(conn, "orders", [older], "replay")
    run_dbt(url, STAGING)
    late.commit()
    late.close()

    with psycopg.connect(url) as conn:
        # The build ran before the late commit: it could not see it yet.
        assert staged(conn, changed_id)[0] == int(changed["current_state"])
        # The older version loaded later did not replace the newer one.
        assert staged(conn, rolled_back_id)[:2] == state_before[:2]

    run_dbt(url, STAGING)
    with psycopg.connect(url) as conn:
        state, _, xmin = staged(conn, changed_id)
        assert state == CANCELED
        status, cancelled_at = conn.execute(
            "SELECT status_group, cancelled_at FROM staging.stg_orders WHERE order_id = %s",
            (changed_id,),
        ).fetchone()
        assert (status, cancelled_at) == ("cancelled", later)
        lines = [d for (d,) in conn.execute(
            "SELECT order_detail_id FROM staging.stg_order_rows WHERE order_id = %s ORDER BY 1",
            (changed_id,),
        ).fetchall()]  # fmt: skip
        assert lines == sorted(int(r["id"]) for r in new_version["associations"]["order_rows"])
        assert len(lines) == len(changed["associations"]["order_rows"]) - 1
        # Cost proportional to the change: the other orders were not rewritten.
        untouched_after = dict(conn.execute(
            "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE order_id NOT IN (%s, %s)",
            (changed_id, rolled_back_id),
        ).fetchall())  # fmt: skip
        assert untouched_after == untouched_before
        assert xmin > max(untouched_before.values())


def test_bad_values_are_quarantined_or_become_null_instead_of_failing(built_copy: BuiltWarehouse):
    """Records with ids the shop never had, so they are the latest (and only) versions."""
    url = built_copy.url
    broken = {
        "id": 990990,
        "id_customer": "",
        "current_state": "abc",
        "date_add": "2024-13-45 99:00:00",
        "date_upd": "0000-00-00 00:00:00",
        "invoice_date": "yesterday",
        "total_paid_tax_excl": "12,50",
        "conversion_rate": "",
        "associations": {"order_rows": [{"id": "77001", "product_quantity": "two"}]},
    }
    history = {"id": 990990990001, "id_order": "1", "id_order_state": "2", "date_add": "soon"}
    with psycopg.connect(url, autocommit=True) as conn:
        write_raw(conn, "orders", [broken], "bad")
        write_raw(conn, "customers", [{"id": 990991}], "bad")
        write_raw(conn, "order_histories", [history], "bad")
    run_dbt(url, STAGING)
    with psycopg.connect(url) as conn:
        # Orders and customers staging cannot type are left out, with every reason.
        reasons = dict(
            conn.execute(
                "SELECT entity || ':' || record_id, reason FROM staging.stg_quarantine"
            ).fetchall()
        )
        assert set(reasons) == {"orders:990990", "customers:990991"}, reasons
        for part in (
            'unreadable current_state: "abc"',
            'unreadable date_add: "2024-13-45 99:00:00"',
            'unreadable total_paid_tax_excl: "12,50"',
            "missing field total_paid_tax_incl",
            'order line 1: unreadable product_quantity: "two"',
        ):
            assert part in reasons["orders:990990"], (part, reasons["orders:990990"])
        assert "date_upd" not in reasons["orders:990990"]  # the zero date is not bad
        assert "invoice_date" not in reasons["orders:990990"]  # informative: NULL, not quarantined
        assert "conversion_rate" not in reasons["orders:990990"]  # nor is an empty value
        assert reasons["customers:990991"] == "missing field email; missing field date_add"
        for table, key, record_id in (
            ("stg_orders", "order_id", 990990),
            ("stg_order_rows", "order_id", 990990),
            ("stg_customers", "customer_id", 990991),
        ):
            assert conn.execute(
                f"SELECT count(*) FROM staging.{table} WHERE {key} = %s", (record_id,)
            ).fetchone() == (0,)
        # Elsewhere the defensive casts turn an unreadable value into NULL, not a failure.
        assert conn.execute(
            "SELECT order_id, date_add FROM staging.stg_order_histories"
            " WHERE order_history_id = 990990990001"
        ).fetchone() == (1, None)
