"""A sync converges to exactly the shop's data while the shop misbehaves."""

import psycopg

from phc_analytics.demo_shop import DemoShopServer, FaultConfig
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics_tests.support.shop import raw_latest, shop_truth


def test_converges_through_errors_latency_drops_and_truncated_bodies(shop_path, migrated_database):
    faults = FaultConfig(
        error_5xx_rate=0.2, drop_rate=0.1, truncate_rate=0.1, latency_ms=5, seed=21
    )
    stats = {}
    with DemoShopServer(shop_path, faults=faults) as flaky_server:
        client = PrestaShopClient(
            flaky_server.url,
            flaky_server.ws_key,
            page_size=200,
            backoff_s=0.01,
            max_attempts=20,
            timeout_s=10,
        )
        with psycopg.connect(migrated_database) as conn:
            for entity in ENTITIES:
                stats[entity.name] = sync_entity(client, conn, entity, SyncRequest.everything())
    retries = sum(s.retries for s in stats.values())
    assert retries > 0
    # The retries are visible in what the materialization reports.
    assert all("retries" in s.as_metadata() for s in stats.values())
    with DemoShopServer(shop_path) as server, psycopg.connect(migrated_database) as conn:
        for entity in ENTITIES:
            assert raw_latest(conn, entity) == shop_truth(server.url, server.ws_key, entity)
        duplicates = conn.execute(
            "SELECT count(*) - count(DISTINCT (id, payload_hash)) FROM raw.orders"
        ).fetchone()[0]
    assert duplicates == 0


def test_a_shop_that_stays_down_fails_with_the_url_and_no_key(shop_path, migrated_database):
    with DemoShopServer(shop_path, faults=FaultConfig(error_5xx_rate=1.0, seed=1)) as server:
        client = PrestaShopClient(server.url, server.ws_key, max_attempts=3, backoff_s=0.01)
        with psycopg.connect(migrated_database) as conn:
            try:
                sync_entity(client, conn, BY_NAME["orders"], SyncRequest.everything())
            except Exception as exc:  # the assertion is on the message
                message = str(exc)
            else:
                raise AssertionError("a shop answering 5xx to everything cannot sync")
    # The first request of a sync asks for the shop's stores (multistore: id_shop=all).
    assert f"{server.url}/api/shops failed 3 times in a row" in message
    assert server.ws_key not in message
