"""Incremental staging picks up raw rows by transaction id: late commits, out-of-order
versions and vanished order lines are all handled, and untouched rows are not rewritten."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.transform.dbt_runner import run_dbt
from phc_analytics_tests.transform.shop_builder import (
    build_shop,
    history_payload,
    insert_payloads,
    load_shop,
    order_payload,
)

STAGING = ["run", "--select", "path:models/staging"]


@pytest.fixture(scope="module")
def small_shop(pg_admin_url: str, dbt_manifest: None):
    """One database for the module (each new database costs dbt a full parse)."""
    name = create_database(pg_admin_url, "phc_incremental")
    url = with_database(pg_admin_url, name)
    try:
        apply_migrations(url, settings.migrations_dir())
        shop = build_shop(seed=11, n_orders=12)
        load_shop(url, shop)
        run_dbt(url, STAGING)
        yield url, shop
    finally:
        drop_database(pg_admin_url, name)


def staged(conn: psycopg.Connection, order_id: int):
    return conn.execute(
        "SELECT current_state_id, date_upd, _batch_xmin FROM staging.stg_orders WHERE order_id = %s",  # noqa: E501
        (order_id,),
    ).fetchone()


def test_late_commit_out_of_order_version_and_removed_line(small_shop):
    url, shop = small_shop
    changed = next(o for o in shop.orders.values() if len(o.lines) >= 2)
    rolled_back = next(
        o for o in shop.orders.values() if len(o.history) >= 2 and o.id != changed.id
    )

    with psycopg.connect(url) as conn:
        untouched_before = dict(conn.execute(
            "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE order_id NOT IN (%s, %s)",
            (changed.id, rolled_back.id),
        ).fetchall())  # fmt: skip
        state_before = staged(conn, rolled_back.id)

    # 1. A load that started before the next staging build but commits after it: a newer
    #    version of `changed`, cancelled, with its last line removed.
    later = changed.updated + timedelta(days=3)
    new_version = order_payload(changed, lines=changed.lines[:-1])
    new_version.update(current_state="6", date_upd=later.strftime("%Y-%m-%d %H:%M:%S"))
    late = psycopg.connect(url)
    late.execute("BEGIN")
    insert_payloads(late, "orders", [new_version], "late-run")
    insert_payloads(
        late, "order_histories", [history_payload(9000, changed.id, 6, later)], "late-run"
    )

    # 2. Meanwhile an OLDER version of another order arrives (a replay of an old page).
    with psycopg.connect(url, autocommit=True) as conn:
        insert_payloads(conn, "orders", [order_payload(rolled_back, states_upto=1)], "replay")
    run_dbt(url, STAGING)
    late.commit()
    late.close()

    with psycopg.connect(url) as conn:
        # The build ran before the late commit: it could not see it yet.
        assert staged(conn, changed.id)[0] == changed.state
        # The older version loaded later did not replace the newer one.
        assert staged(conn, rolled_back.id)[:2] == state_before[:2]

    run_dbt(url, STAGING)
    with psycopg.connect(url) as conn:
        state, _, xmin = staged(conn, changed.id)
        assert state == 6
        status, cancelled_at = conn.execute(
            "SELECT status_group, cancelled_at FROM staging.stg_orders WHERE order_id = %s",
            (changed.id,),
        ).fetchone()
        assert (status, cancelled_at) == ("cancelled", later)
        lines = [d for (d,) in conn.execute(
            "SELECT order_detail_id FROM staging.stg_order_rows WHERE order_id = %s ORDER BY 1",
            (changed.id,),
        ).fetchall()]  # fmt: skip
        assert lines == sorted(ln.detail_id for ln in changed.lines[:-1])
        # Cost proportional to the change: the other orders were not rewritten.
        untouched_after = dict(conn.execute(
            "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE order_id NOT IN (%s, %s)",
            (changed.id, rolled_back.id),
        ).fetchall())  # fmt: skip
        assert untouched_after == untouched_before
        assert xmin > max(untouched_before.values())


def test_bad_values_are_quarantined_or_become_null_instead_of_failing(small_shop):
    url, _ = small_shop
    broken = {
        "id": 990,
        "id_customer": "",
        "current_state": "abc",
        "date_add": "2024-13-45 99:00:00",
        "date_upd": "0000-00-00 00:00:00",
        "invoice_date": "yesterday",
        "total_paid_tax_excl": "12,50",
        "conversion_rate": "",
        "associations": {"order_rows": [{"id": "77001", "product_quantity": "two"}]},
    }
    history = {"id": 99001, "id_order": "1", "id_order_state": "2", "date_add": "soon"}
    with psycopg.connect(url, autocommit=True) as conn:
        insert_payloads(conn, "orders", [broken], "bad")
        insert_payloads(conn, "customers", [{"id": 991}], "bad")
        insert_payloads(conn, "order_histories", [history], "bad")
    run_dbt(url, STAGING)
    with psycopg.connect(url) as conn:
        # Orders and customers staging cannot type are left out, with every reason.
        reasons = dict(
            conn.execute(
                "SELECT entity || ':' || record_id, reason FROM staging.stg_quarantine"
            ).fetchall()
        )
        assert set(reasons) == {"orders:990", "customers:991"}, reasons
        for part in (
            'unreadable current_state: "abc"',
            'unreadable date_add: "2024-13-45 99:00:00"',
            'unreadable total_paid_tax_excl: "12,50"',
            "missing field total_paid_tax_incl",
            'order line 1: unreadable product_quantity: "two"',
        ):
            assert part in reasons["orders:990"], (part, reasons["orders:990"])
        assert "date_upd" not in reasons["orders:990"]  # the zero date is not bad
        assert "invoice_date" not in reasons["orders:990"]  # informative: NULL, not quarantined
        assert "conversion_rate" not in reasons["orders:990"]  # nor is an empty value
        assert reasons["customers:991"] == "missing field email; missing field date_add"
        for table, key, record_id in (
            ("stg_orders", "order_id", 990),
            ("stg_order_rows", "order_id", 990),
            ("stg_customers", "customer_id", 991),
        ):
            assert conn.execute(
                f"SELECT count(*) FROM staging.{table} WHERE {key} = %s", (record_id,)
            ).fetchone() == (0,)
        # Elsewhere the defensive casts turn an unreadable value into NULL, not a failure.
        assert conn.execute(
            "SELECT order_id, date_add FROM staging.stg_order_histories"
            " WHERE order_history_id = 99001"
        ).fetchone() == (1, None)
