"""Raw checks pass on a clean sync and fail, with the ids, on the rows a bug would write.

One warehouse and one Dagster instance for the module: the shop is synced once, then each
test materializes raw_orders again (a run that re-reads the watermark's second and writes
nothing new), writes bad rows under that run's id the way a buggy sync would, and runs the
checks alone. Each test leaves the data in a state the others' checks accept: extra rows never
fail a check of another run, and the row count is compared with its last evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics.ingestion.assets import build_raw_assets
from phc_analytics.ingestion.progress import SyncProgress
from phc_analytics.prestashop.entities import ENTITIES
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.quality.expectations import MIN_IDS
from phc_analytics.quality.raw_checks import build_all_raw_checks
from phc_analytics.warehouse.resource import WarehouseResource
from phc_analytics_tests.support.databases import (
    copy_database,
    drop_database,
    session_name,
    with_database,
)
from phc_analytics_tests.support.shop import copy_shop

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

ORDERS = dg.AssetKey("raw_orders")
BLOCKING = {"payload_id_matches", "row_count_never_decreases", "cursor_in_read_window"}


@dataclass
class Raw:
    url: str
    first: dg.ExecuteInProcessResult
    first_orders: tuple[int, datetime]  # versions of raw.orders after the first sync, newest cursor
    assets: list
    checks: list
    resources: dict
    instance: dg.DagsterInstance

    def _materialize(self, selection, instance=None) -> dict:
        """raw_orders' check evaluations by name."""
        result = dg.materialize(
            [*self.assets, *self.checks],
            instance=instance or self.instance,
            resources=self.resources,
            selection=selection,
            raise_on_error=False,
        )
        return {
            check: e for (asset, check), e in evaluations(result).items() if asset == "raw_orders"
        } | {"run_id": result.run_id}

    def sync_orders(self) -> tuple[str, dict]:
        """A new run of raw_orders with its checks: its id and evaluations (all passed)."""
        got = self._materialize(dg.AssetSelection.assets(ORDERS))
        run_id = got.pop("run_id")
        assert all(e.passed for e in got.values()), {k: e.metadata for k, e in got.items()}
        return run_id, got

    def check_orders(self, instance: dg.DagsterInstance | None = None) -> dict:
        """raw_orders' checks alone, in a run of their own."""
        got = self._materialize(dg.AssetSelection.checks_for_assets(ORDERS), instance)
        got.pop("run_id")
        return got


def evaluations(result) -> dict:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def value(evaluation, key):
    return evaluation.metadata[key].value


@pytest.fixture(scope="module")
def raw(pg_admin_url, migrated_template, shop_template, tmp_path_factory):
    database = copy_database(pg_admin_url, migrated_template, session_name("raw_checks"))
    url = with_database(pg_admin_url, database)
    shop = copy_shop(shop_template, tmp_path_factory.mktemp("raw_checks"))
    try:
        with DemoShopServer(shop) as server, dg.instance_for_test() as instance:
            resources = {
                "prestashop": PrestaShopResource(base_url=server.url, ws_key=server.ws_key),
                "warehouse": WarehouseResource(database_url=url),
                "sync_progress": SyncProgress(),
            }
            assets, checks = build_raw_assets(), build_all_raw_checks()
            first = dg.materialize([*assets, *checks], instance=instance, resources=resources)
            with psycopg.connect(url) as conn:
                orders = conn.execute("SELECT count(*), max(cursor_value) FROM raw.orders")
                yield Raw(url, first, orders.fetchone(), assets, checks, resources, instance)
    finally:
        drop_database(pg_admin_url, database)


def test_a_clean_sync_passes_every_raw_check_on_the_rows_it_wrote(raw):
    got = evaluations(raw.first)
    for entity in ENTITIES:
        names = {check for asset, check in got if asset == entity.asset_name}
        expected = {"payload_id_matches", "row_count_never_decreases", "schema_drift"}
        expected |= {"cursor_in_read_window", "cursor_not_null"} if entity.incremental else set()
        expected |= {"row_count_bounds"} if entity.name in MIN_IDS else set()
        assert names == expected, entity.name
        for name in names:
            evaluation = got[(entity.asset_name, name)]
            assert evaluation.passed, (entity.name, name, evaluation.metadata)
    blocking = {spec.name for c in raw.checks for spec in c.check_specs if spec.blocking}
    assert blocking == BLOCKING
    orders, newest = raw.first_orders
    # Not vacuous: the checks looked at every version the first sync wrote.
    assert value(got[("raw_orders", "payload_id_matches")], "rows_checked") == orders > 1000
    window = got[("raw_orders", "cursor_in_read_window")]
    assert value(window, "rows_checked") == orders
    assert value(window, "read_to") == newest.isoformat(sep=" ")
    count = got[("raw_orders", "row_count_never_decreases")]
    assert value(count, "row_count") == orders and value(count, "previous_row_count") is None


def test_a_payload_stored_under_another_id_fails_payload_id_matches(raw):
    run_id, checked = raw.sync_orders()
    read_from = value(checked["cursor_in_read_window"], "read_from")
    with psycopg.connect(raw.url) as conn:
        swapped = [r[0] for r in conn.execute("SELECT id FROM raw.orders ORDER BY id LIMIT 2")]
        # A writer that pairs ids with the wrong payloads: two orders' payloads swapped (read
        # in this run's window).
        conn.execute(
            """
            INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)
            SELECT a.id, md5(b.payload::text), %(read_from)s, b.payload, %(run)s
            FROM (SELECT * FROM raw.orders ORDER BY id LIMIT 2) a
            JOIN (SELECT * FROM raw.orders ORDER BY id LIMIT 2) b ON a.id <> b.id
            """,
            {"run": run_id, "read_from": read_from},
        )
    got = raw.check_orders()
    check = got["payload_id_matches"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert value(check, "failing_count") == 2 and value(check, "rows_checked") == 2
    assert value(check, "example_ids") == swapped
    assert all(e.passed for name, e in got.items() if name != "payload_id_matches")
    # Checks run on an instance that never saw the asset look at the newest run's rows.
    with dg.instance_for_test() as fresh:
        alone = raw.check_orders(fresh)
    assert value(alone["payload_id_matches"], "example_ids") == swapped
    assert alone["cursor_in_read_window"].passed  # no recorded window to compare with


def test_a_version_outside_the_read_window_fails_cursor_in_read_window(raw):
    run_id, checked = raw.sync_orders()
    window = checked["cursor_in_read_window"]
    low = datetime.fromisoformat(value(window, "read_from"))
    high = datetime.fromisoformat(value(window, "read_to"))
    with psycopg.connect(raw.url) as conn:
        # New versions of three orders whose cursor the sync would have read wrong (a time
        # zone applied twice, a field read from date_add): one second before the window, two
        # hours after it; a version exactly on the lower bound is inside.
        conn.execute(
            """
            INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)
            SELECT id, md5(p::text), c, p, %(run)s
            FROM (SELECT id, payload || jsonb_build_object('note', id) AS p,
                         (ARRAY[%(before)s, %(after)s, %(low)s]::timestamp[])
                             [row_number() OVER ()] AS c
                  FROM (SELECT id, payload FROM raw.orders ORDER BY id DESC LIMIT 3) o) v
            """,
            {
                "run": run_id,
                "before": low - timedelta(seconds=1),
                "after": high + timedelta(hours=2),
                "low": low,
            },
        )
        outside = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM raw.orders WHERE run_id = %s AND cursor_value <> %s ORDER BY id",
                (run_id, low),
            )
        ]
    got = raw.check_orders()
    check = got["cursor_in_read_window"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert value(check, "failing_count") == 2 and value(check, "rows_checked") == 3
    assert value(check, "example_ids") == outside
    assert all(e.passed for name, e in got.items() if name != "cursor_in_read_window")


def test_versions_from_a_run_that_read_nothing_fail_cursor_in_read_window(raw):
    # A materialization whose sync had nothing to read (an empty shop, a day after the shop's
    # newest record): no read range in its metadata, so it may not have written anything.
    raw.instance.report_runless_asset_event(
        dg.AssetMaterialization(ORDERS, metadata={"read_from": None, "read_to": None})
    )
    run_id = raw.instance.get_latest_materialization_event(ORDERS).run_id
    with psycopg.connect(raw.url) as conn:
        newest = conn.execute(
            """
            INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)
            SELECT id, md5(p::text), cursor_value, p, %s
            FROM (SELECT id, cursor_value, payload || '{"note": "empty read"}' AS p
                  FROM raw.orders ORDER BY id DESC LIMIT 1) v
            RETURNING id
            """,
            (run_id,),
        ).fetchone()[0]
    check = raw.check_orders()["cursor_in_read_window"]
    assert not check.passed and value(check, "example_ids") == [newest]
    assert value(check, "read_from") is None and value(check, "rows_checked") == 1


def test_lost_rows_fail_row_count_never_decreases_on_the_run_that_sees_it(raw):
    _, checked = raw.sync_orders()
    before = value(checked["row_count_never_decreases"], "row_count")
    assert value(checked["row_count_never_decreases"], "previous_row_count") <= before
    with psycopg.connect(raw.url) as conn:
        # A clean-up job, a restore of an older backup: versions vanish from raw.
        conn.execute(
            "DELETE FROM raw.orders WHERE id IN (SELECT id FROM raw.orders ORDER BY id LIMIT 5)"
        )
        after = conn.execute("SELECT count(*) FROM raw.orders").fetchone()[0]
    assert after < before
    check = raw.check_orders()["row_count_never_decreases"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert value(check, "failing_count") == before - after
    assert value(check, "previous_row_count") == before and value(check, "row_count") == after
    # The next evaluation compares with the count this one recorded.
    assert raw.check_orders()["row_count_never_decreases"].passed


def test_bad_payloads_fail_soft_checks_with_their_ids(raw):
    run_id, _ = raw.sync_orders()
    with psycopg.connect(raw.url) as conn:
        # Versions with a zero date_upd and without current_state, plus an unknown field.
        conn.execute(
            """
            INSERT INTO raw.orders (id, payload_hash, cursor_value, payload, run_id)
            SELECT id, md5(p::text), NULL, p, %(run)s
            FROM (SELECT id, (payload - 'current_state')
                         || '{"date_upd": "0000-00-00 00:00:00", "x_module_field": "1"}' AS p
                  FROM raw.orders ORDER BY id LIMIT 3) v
            """,
            {"run": run_id},
        )
        bad_ids = [
            r[0] for r in conn.execute("SELECT id FROM raw.orders WHERE run_id = %s", (run_id,))
        ]
    got = raw.check_orders()
    drift = got["schema_drift"]
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert value(drift, "failing_count") == 3
    assert sorted(value(drift, "example_ids")) == sorted(bad_ids)
    assert value(drift, "missing_fields") == ["current_state"]
    assert "x_module_field" in value(drift, "new_fields")
    cursor = got["cursor_not_null"]
    assert not cursor.passed and value(cursor, "failing_count") == 3
    # The ids match their payloads, and a NULL cursor is cursor_not_null's finding only.
    assert got["payload_id_matches"].passed and got["cursor_in_read_window"].passed


def test_the_checks_that_look_beyond_the_run_look_at_its_own_shop_only(raw):
    """Another installation's rows in the same table (issue 17) neither satisfy the id minimum
    of a shop that has too few, nor pass for the earlier load the drift is judged against."""
    from phc_analytics.quality.raw_checks import _row_count_bounds, _schema_drift
    from phc_analytics.quality.raw_load import Load

    table = sql.Identifier("raw", "orders")
    with psycopg.connect(raw.url) as conn:
        # Two orders of a small second shop, read by a run of its own, with a field of its own.
        conn.execute(
            """
            INSERT INTO raw.orders (id, shop, payload_hash, cursor_value, payload, run_id)
            SELECT id, 'tiny', md5(p::text), cursor_value, p, 'tiny-run'
            FROM (SELECT DISTINCT ON (id) id, cursor_value,
                         payload || '{"x_tiny_field": "1"}' AS p
                  FROM raw.orders WHERE shop = 'default' ORDER BY id LIMIT 2) v
            """
        )
        minimum = 3  # more than the small shop has, far less than the other
        tiny = _row_count_bounds(conn, table, ORDERS, minimum, "tiny")
        assert not tiny.passed and value(tiny, "distinct_ids_found") == 2
        assert _row_count_bounds(conn, table, ORDERS, minimum, "default").passed
        # Judged against its own shop's earlier load (none): no field is new to it; judged
        # across shops, its field would have been reported as new.
        drift = _schema_drift(conn, table, ORDERS, Load("tiny-run", shop="tiny"), ["id"])
        assert value(drift, "new_fields") == []
        across = _schema_drift(conn, table, ORDERS, Load("tiny-run"), ["id"])
        assert "x_tiny_field" in value(across, "new_fields")
        conn.rollback()
