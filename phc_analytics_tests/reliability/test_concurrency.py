"""Two syncs of the same entity at once: the second waits, nothing is corrupted."""

import threading

import psycopg

from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME
from phc_analytics_tests.support.shop import raw_latest, shop_truth

ORDERS = BY_NAME["orders"]


def test_two_concurrent_syncs_serialize_on_the_entity_lock(shop_server, migrated_database):
    results, errors = [], []
    inside = threading.Event()

    def one_sync(name: str) -> None:
        client = PrestaShopClient(shop_server.url, shop_server.ws_key, page_size=100)
        try:
            with psycopg.connect(migrated_database) as conn:

                def mark(_stats):
                    inside.set()

                stats = sync_entity(
                    client, conn, ORDERS, SyncRequest.everything(), run_id=name, on_batch=mark
                )
                results.append((name, stats))
        except BaseException as exc:
            errors.append(exc)

    first = threading.Thread(target=one_sync, args=("schedule",))
    second = threading.Thread(target=one_sync, args=("manual",))
    first.start()
    assert inside.wait(timeout=60)
    second.start()
    first.join(timeout=300)
    second.join(timeout=300)
    assert errors == []
    by_name = dict(results)
    # The second one waited for the lock, then read from the first one's watermark.
    assert by_name["schedule"].new_versions > 0
    assert by_name["manual"].new_versions == 0
    assert by_name["manual"].watermark_before == by_name["schedule"].watermark_after
    with psycopg.connect(migrated_database) as conn:
        assert raw_latest(conn, ORDERS) == shop_truth(shop_server.url, shop_server.ws_key, ORDERS)
        duplicates = conn.execute(
            "SELECT count(*) - count(DISTINCT (id, payload_hash)) FROM raw.orders"
        ).fetchone()[0]
    assert duplicates == 0
