"""Two PrestaShop installations in one raw layer (issue 17): ids are unique within a shop only,
so each shop's rows, watermarks, sweeps and erasures stay its own."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest

from phc_analytics.demo_shop import DemoShopServer, generate_shop
from phc_analytics.demo_shop.deletes import delete_customer
from phc_analytics.demo_shop.edits import editing
from phc_analytics.ingestion.erasure import erase_deleted_customers
from phc_analytics.ingestion.sweep import sweep_entity
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient, PrestaShopError
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES
from phc_analytics_tests.support.shop import raw_latest, shop_truth, sync_shop

pytestmark = pytest.mark.server

CUSTOMERS = BY_NAME["customers"]


@pytest.fixture(scope="module")
def two_shops(tmp_path_factory):
    """Shop "paris" (three stores, one selling in pounds) and shop "berlin" (one store): both
    number their records from 1, so most ids exist in both."""
    directory = tmp_path_factory.mktemp("installations")
    paris, berlin = directory / "paris.sqlite", directory / "berlin.sqlite"
    generate_shop(paris, orders=300, seed=5, end=datetime(2025, 6, 1), stores=3)
    generate_shop(berlin, orders=200, seed=6, end=datetime(2025, 5, 1))
    return {"paris": paris, "berlin": berlin}


def _sync(server, url: str, shop: str, names=None) -> dict[str, int]:
    return {name: stats.new_versions for name, stats in sync_shop(server, url, shop, names).items()}


def _watermarks(conn) -> dict[tuple[str, str], datetime]:
    rows = conn.execute(
        "SELECT shop, entity, cursor_value FROM staging.etl_watermarks"
        " WHERE cursor_field <> 'full_refresh'"
    ).fetchall()
    return {(shop, entity): value for shop, entity, value in rows}


def test_two_shops_land_side_by_side_each_exactly_with_its_own_watermarks(
    two_shops, migrated_database, tmp_path
):
    servers = {name: DemoShopServer(path) for name, path in two_shops.items()}
    with servers["paris"] as paris, servers["berlin"] as berlin:
        first = {"paris": _sync(paris, migrated_database, "paris")}
        first["berlin"] = _sync(berlin, migrated_database, "berlin")
        with psycopg.connect(migrated_database) as conn:
            for name, server in (("paris", paris), ("berlin", berlin)):
                for entity in ENTITIES:
                    truth = shop_truth(server.url, server.ws_key, entity, every_store=True)
                    assert raw_latest(conn, entity, name) == truth, (name, entity.name)
            both = conn.execute(
                "SELECT count(*) FROM (SELECT id FROM raw.orders GROUP BY id"
                " HAVING count(DISTINCT shop) = 2) AS s"
            ).fetchone()[0]
            assert both >= 200  # the same ids, kept apart
            assert (
                conn.execute("SELECT count(*) FROM raw.orders WHERE shop = 'default'").fetchone()[0]
                == 0
            )
            marks = _watermarks(conn)
            for name, server in (("paris", paris), ("berlin", berlin)):
                orders = shop_truth(server.url, server.ws_key, BY_NAME["orders"], every_store=True)
                newest = max(orders.values())
                assert marks[(name, "orders")] == datetime.fromisoformat(newest)
            assert marks[("paris", "orders")] != marks[("berlin", "orders")]
        # Each shop read again from its own watermark: nothing new on either side.
        for name, server in (("paris", paris), ("berlin", berlin)):
            again = _sync(server, migrated_database, name, ("orders", "customers"))
            assert again == {"orders": 0, "customers": 0}, name
        assert first["paris"]["orders"] == 300 and first["berlin"]["orders"] == 200


def test_a_sweep_and_an_erasure_of_one_shop_leave_the_other_shops_same_ids_alone(
    two_shops, migrated_database, tmp_path
):
    import shutil

    paths = {}
    for name, template in two_shops.items():
        paths[name] = tmp_path / f"{name}.sqlite"
        shutil.copyfile(template, paths[name])
    with DemoShopServer(paths["paris"]) as paris, DemoShopServer(paths["berlin"]) as berlin:
        for name, server in (("paris", paris), ("berlin", berlin)):
            _sync(server, migrated_database, name, ("customers", "addresses", "orders"))
        with psycopg.connect(migrated_database) as conn:
            # A customer id both shops have: paris deletes theirs (a hard delete), berlin's stays.
            victim = conn.execute(
                "SELECT p.id FROM raw.customers p JOIN raw.customers b"
                " ON b.id = p.id AND b.shop = 'berlin' WHERE p.shop = 'paris'"
                " ORDER BY p.id DESC LIMIT 1"
            ).fetchone()[0]
        with editing(paths["paris"]) as shop:
            assert delete_customer(shop.conn, victim, shop.now)
        for name, server in (("paris", paris), ("berlin", berlin)):
            client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
            try:
                with psycopg.connect(migrated_database) as conn:
                    swept = sweep_entity(client, conn, CUSTOMERS, shop=name)
                    erased = erase_deleted_customers(conn, shop=name)
            finally:
                client.close()
            if name == "paris":
                assert swept.removed == 1 and erased.erased_ids == [victim]
            else:
                assert swept.removed == 0 and erased.erased_ids == []
        with psycopg.connect(migrated_database) as conn:
            latest = dict(
                conn.execute(
                    "SELECT DISTINCT ON (shop) shop, removed_at IS NOT NULL FROM raw.customers"
                    " WHERE id = %s ORDER BY shop, cursor_value DESC NULLS LAST,"
                    " first_seen_at DESC, load_xid DESC",
                    (victim,),
                ).fetchall()
            )
            assert latest == {"paris": True, "berlin": False}
            berlin_email = conn.execute(
                "SELECT bool_and(payload ->> 'email' <> '') FROM raw.customers"
                " WHERE id = %s AND shop = 'berlin'",
                (victim,),
            ).fetchone()[0]
            assert berlin_email is True  # berlin's customer with the same id keeps their data
            sweeps = conn.execute(
                "SELECT shop, removed_ids FROM staging.etl_sweeps ORDER BY shop"
            ).fetchall()
            assert sweeps == [("berlin", 0), ("paris", 1)]
            assert conn.execute("SELECT shop, customer_id FROM staging.erasure_log").fetchall() == [
                ("paris", victim)
            ]


class _Interrupted(Exception):
    pass


def _shops_with_watermarks(conn) -> list[str]:
    return [s for (s,) in conn.execute("SELECT DISTINCT shop FROM staging.etl_watermarks")]


def test_a_shops_watermarks_come_with_its_first_committed_rows_not_with_a_failed_attempt(
    client, migrated_database
):
    orders = BY_NAME["orders"]
    with psycopg.connect(migrated_database) as conn:
        # A shop that could not be reached wrote nothing and holds nothing.
        unreachable = PrestaShopClient(
            "http://127.0.0.1:9", "A" * 32, max_attempts=1, backoff_s=0.01
        )
        with pytest.raises(PrestaShopError):
            sync_entity(unreachable, conn, orders, SyncRequest.everything(), shop="lyon")
        unreachable.close()
        assert _shops_with_watermarks(conn) == []

        # A first sync stopped after its first batches, before any window completed (so before
        # its watermark moved): its rows are in raw, and the shop is held.
        def stop_after_first_batch(stats):
            raise _Interrupted

        with pytest.raises(_Interrupted):
            sync_entity(
                client, conn, orders, SyncRequest.everything(), shop="lyon", batch_rows=50,
                on_batch=stop_after_first_batch,
            )  # fmt: skip
        assert conn.execute("SELECT count(*) FROM raw.orders WHERE shop = 'lyon'").fetchone()[0]
        marks = conn.execute(
            "SELECT cursor_value FROM staging.etl_watermarks WHERE shop = 'lyon'"
        ).fetchall()
        assert marks == [(datetime(1970, 1, 1),)]
        assert _shops_with_watermarks(conn) == ["lyon"]
