"""Syncing the demo shop over HTTP into a real PostgreSQL."""

import threading
from datetime import datetime, timedelta

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, FaultConfig, advance_shop
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics_tests.support.shop import raw_latest, raw_versions, shop_truth

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

ORDERS = BY_NAME["orders"]


def sync_all(client, url, **kwargs) -> dict:
    stats = {}
    with psycopg.connect(url) as conn:
        for entity in ENTITIES:
            stats[entity.name] = sync_entity(
                client, conn, entity, SyncRequest.everything(), **kwargs
            )
    return stats


def assert_raw_matches_shop(url, server, entities=ENTITIES):
    with psycopg.connect(url) as conn:
        for entity in entities:
            truth = shop_truth(server.url, server.ws_key, entity)
            assert truth, f"the demo shop has no {entity.name}"
            assert raw_latest(conn, entity) == truth, entity.name


def watermark(url, entity="orders") -> datetime:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT cursor_value FROM staging.etl_watermarks WHERE entity = %s", (entity,)
        ).fetchone()[0]


def test_full_sync_lands_exactly_the_shop_and_a_second_sync_writes_nothing(
    client, shop_server, migrated_database
):
    first = sync_all(client, migrated_database, run_id="first")
    assert_raw_matches_shop(migrated_database, shop_server)
    assert first["orders"].new_versions == first["orders"].rows_read > 0
    assert first["orders"].pages > 1  # page size 200: the windows really were paged
    with psycopg.connect(migrated_database) as conn:
        # The sync analyzed what it loaded (migrated tables start at -1: never analyzed), so
        # the staging build right after it is planned on real row counts.
        estimated = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'raw.orders'::regclass"
        ).fetchone()[0]
    assert estimated == first["orders"].new_versions
    assert watermark(migrated_database) == max(
        datetime.fromisoformat(v)
        for v in shop_truth(shop_server.url, shop_server.ws_key, ORDERS).values()
    )

    with psycopg.connect(migrated_database) as conn:
        before = {e.name: raw_versions(conn, e) for e in ENTITIES}
    second = sync_all(client, migrated_database, run_id="second")
    assert {name: s.new_versions for name, s in second.items()} == {e.name: 0 for e in ENTITIES}
    with psycopg.connect(migrated_database) as conn:
        assert {e.name: raw_versions(conn, e) for e in ENTITIES} == before
    # From the watermark on: the second read of orders is a handful of rows, not the shop.
    assert second["orders"].rows_read < first["orders"].rows_read / 20


def test_after_advance_the_next_sync_reads_only_the_changes(
    client, shop_server, shop_path, migrated_database
):
    full = sync_all(client, migrated_database)
    result = advance_shop(shop_path, hours=6)
    incremental = sync_all(client, migrated_database)
    assert_raw_matches_shop(migrated_database, shop_server)

    orders = incremental["orders"]
    assert orders.new_versions > 0
    changed = len(
        [
            d
            for d in shop_truth(shop_server.url, shop_server.ws_key, ORDERS).values()
            if datetime.fromisoformat(d) >= full["orders"].watermark_after
        ]
    )
    # Rows read are the changed orders (plus those sharing the watermark's second), and the
    # requests are a few per entity, not proportional to the shop's size.
    assert orders.rows_read <= changed + 5
    assert orders.requests <= 4
    assert (
        sum(s.requests for s in incremental.values()) < sum(s.requests for s in full.values()) / 3
    )
    assert result is not None


def test_backfill_of_three_days_in_one_run_equals_three_single_day_runs(
    client, pg_admin_url, migrated_database, empty_database
):
    from phc_analytics import settings
    from phc_analytics.warehouse.migrations import apply_migrations

    apply_migrations(empty_database, settings.migrations_dir())
    day = datetime.fromisoformat(
        max(shop_truth(client.base_url, client._session.auth[0], ORDERS).values())
    ).replace(hour=0, minute=0, second=0) - timedelta(days=5)
    days = [day + timedelta(days=i) for i in range(3)]

    with psycopg.connect(migrated_database) as conn:
        one_run = sync_entity(
            client, conn, ORDERS, SyncRequest(days[0], days[2] + timedelta(days=1), latest=False)
        )
        backfilled = raw_versions(conn, ORDERS)
    with psycopg.connect(empty_database) as conn:
        for d in days:
            sync_entity(client, conn, ORDERS, SyncRequest(d, d + timedelta(days=1), latest=False))
        day_by_day = raw_versions(conn, ORDERS)
    assert one_run.rows_read > 0
    assert backfilled == day_by_day
    # A historical backfill ahead of the watermark does not move it (that would skip a gap).
    assert watermark(migrated_database).year == 1970


def test_crash_between_pages_keeps_the_watermark_behind_the_data_and_the_rerun_converges(
    client, shop_server, migrated_database
):
    class Crash(Exception):
        pass

    def crash_after_a_few_batches(stats):
        if len(stats.batches) >= 3:
            raise Crash

    with psycopg.connect(migrated_database) as conn, pytest.raises(Crash):
        sync_entity(
            client,
            conn,
            ORDERS,
            SyncRequest.everything(),
            concurrency=2,
            batch_rows=100,
            on_batch=crash_after_a_few_batches,
        )
    truth = shop_truth(shop_server.url, shop_server.ws_key, ORDERS)
    with psycopg.connect(migrated_database) as conn:
        loaded = raw_latest(conn, ORDERS)
        mark = conn.execute(
            "SELECT cursor_value FROM staging.etl_watermarks WHERE entity = 'orders'"
        ).fetchone()[0]
    assert 0 < len(loaded) < len(truth)
    # Never ahead of the data: every shop record at or below the watermark is in raw.
    missing = [i for i, cursor in truth.items() if i not in loaded]
    assert all(datetime.fromisoformat(truth[i]) > mark for i in missing)

    with psycopg.connect(migrated_database) as conn:
        sync_entity(client, conn, ORDERS, SyncRequest.everything())
        assert raw_latest(conn, ORDERS) == truth
        duplicates = conn.execute(
            "SELECT count(*) - count(DISTINCT (id, payload_hash)) FROM raw.orders"
        ).fetchone()[0]
    assert duplicates == 0


def test_converges_with_thirty_percent_server_errors(shop_path, migrated_database):
    faults = FaultConfig(error_5xx_rate=0.3, seed=3)
    with DemoShopServer(shop_path, faults=faults) as server:
        flaky = PrestaShopClient(
            server.url, server.ws_key, page_size=200, backoff_s=0.01, max_attempts=12
        )
        stats = sync_all(flaky, migrated_database)
        assert sum(s.retries for s in stats.values()) > 0
    with DemoShopServer(shop_path) as server:
        assert_raw_matches_shop(migrated_database, server)


def test_records_changing_during_the_sync_are_not_lost(shop_path, migrated_database):
    with DemoShopServer(shop_path) as server:
        slow_pages = PrestaShopClient(server.url, server.ws_key, page_size=25, backoff_s=0.01)
        changes = threading.Thread(
            target=lambda: [advance_shop(shop_path, hours=2) for _ in range(3)]
        )
        with psycopg.connect(migrated_database) as conn:
            changes.start()
            sync_entity(slow_pages, conn, ORDERS, SyncRequest.everything(), concurrency=2)
            changes.join(timeout=120)
            # Whatever changed behind the sync's back is after its watermark: the next sync has it.
            sync_entity(slow_pages, conn, ORDERS, SyncRequest.everything())
        assert_raw_matches_shop(migrated_database, server, entities=[ORDERS])
