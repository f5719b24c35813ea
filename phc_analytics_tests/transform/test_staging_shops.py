"""Staging keeps installations apart (issue 17): two shops whose ids overlap are staged side by
side, each record against its own shop's customers, states, configuration and lines, and an
incremental build of one shop's change leaves the other shop's rows as they were."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import datetime

import psycopg
import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, advance_shop, generate_shop
from phc_analytics_tests.correctness.dbt_inprocess import InProcessDbt
from phc_analytics_tests.support.shop import sync_shop

pytestmark = pytest.mark.server

SHOPS = {"paris": (160, 5, 3), "berlin": (120, 6, 1)}  # orders, seed, stores


# Berlin is configured unlike paris: French by default, and its "delivered" state is another
# id. A setting read across shops (the default language, the PS_OS_* ids) shows in its states.
BERLIN_SETTINGS = {"PS_LANG_DEFAULT": "2", "PS_OS_DELIVERED": "4"}


@pytest.fixture(scope="module")
def shop_templates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("staging_shops")
    paths = {}
    for name, (orders, seed, stores) in SHOPS.items():
        paths[name] = directory / f"{name}.sqlite"
        generate_shop(
            paths[name], orders=orders, seed=seed, end=datetime(2025, 6, 1), stores=stores
        )
    # Closed, not only committed: the last connection to close folds the write-ahead log into
    # the file, which the test then copies.
    with closing(sqlite3.connect(paths["berlin"])) as conn, conn:
        for name, value in BERLIN_SETTINGS.items():
            changed = conn.execute(
                "UPDATE configurations SET json = json_set(json, '$.value', ?)"
                " WHERE json_extract(json, '$.name') = ?",
                (value, name),
            ).rowcount
            assert changed >= 1, name
    return paths


def _orders_in_shop(server) -> dict[int, tuple[str, str]]:
    """order id -> (reference, current state) of every order of every store, from the shop."""
    response = requests.get(
        f"{server.url}/api/orders",
        params={"display": "[id,reference,current_state]", "id_shop": "all",
                "output_format": "JSON"},
        auth=(server.ws_key, ""),
        timeout=60,
    )  # fmt: skip
    response.raise_for_status()
    return {int(o["id"]): (o["reference"], o["current_state"]) for o in response.json()["orders"]}


def _histories_per_order(server) -> dict[int, int]:
    """order id -> how many status changes the shop has for it."""
    response = requests.get(
        f"{server.url}/api/order_histories",
        params={"display": "[id,id_order]", "output_format": "JSON"},
        auth=(server.ws_key, ""),
        timeout=60,
    )
    response.raise_for_status()
    counts: dict[int, int] = {}
    for history in response.json()["order_histories"]:
        counts[int(history["id_order"])] = counts.get(int(history["id_order"]), 0) + 1
    return counts


def _staged(conn, shop: str) -> dict[int, tuple[str, str]]:
    rows = conn.execute(
        "SELECT order_id, reference, current_state_id::text FROM staging.stg_orders"
        " WHERE shop = %s",
        (shop,),
    ).fetchall()
    return {order_id: (reference, state) for order_id, reference, state in rows}


def test_two_shops_stage_side_by_side_and_one_shops_change_leaves_the_other_alone(
    shop_templates, migrated_database, tmp_path
):
    paths = {}
    for name, template in shop_templates.items():
        paths[name] = tmp_path / f"{name}.sqlite"
        shutil.copyfile(template, paths[name])
    dbt = InProcessDbt(migrated_database, tmp_path / "dbt")
    with DemoShopServer(paths["paris"]) as paris, DemoShopServer(paths["berlin"]) as berlin:
        servers = {"paris": paris, "berlin": berlin}
        for name, server in servers.items():
            sync_shop(server, migrated_database, name)
        # Every staging model and its tests (keys per shop, relationships within a shop).
        dbt("build", "--select", "staging")
        with psycopg.connect(migrated_database) as conn:
            for name, server in servers.items():
                assert _staged(conn, name) == _orders_in_shop(server), name
            overlap = conn.execute(
                "SELECT count(*) FROM staging.stg_orders p JOIN staging.stg_orders b"
                " ON b.order_id = p.order_id AND b.shop = 'berlin' WHERE p.shop = 'paris'"
                " AND p.reference <> b.reference"
            ).fetchone()[0]
            assert overlap >= 100  # the same ids, two different orders
            # Each order's lines are its own shop's: lines per order as the shop sends them.
            lines = dict(
                conn.execute(
                    "SELECT shop, count(*) FROM staging.stg_order_rows GROUP BY shop"
                ).fetchall()
            )
            raw_lines = dict(
                conn.execute(
                    "SELECT shop, sum(jsonb_array_length(payload -> 'associations' ->"
                    " 'order_rows')) FROM (SELECT DISTINCT ON (id, shop) shop, payload"
                    " FROM raw.orders ORDER BY id, shop, cursor_value DESC) AS latest"
                    " GROUP BY shop"
                ).fetchall()
            )
            assert lines == raw_lines and set(lines) == {"paris", "berlin"}
            # Each order's timeline is built from its own shop's status history only.
            for name, server in servers.items():
                staged_histories = dict(
                    conn.execute(
                        "SELECT order_id, history_count FROM staging.stg_orders"
                        " WHERE shop = %s AND history_count > 0",
                        (name,),
                    ).fetchall()
                )
                assert staged_histories == _histories_per_order(server), name
            paid = conn.execute(
                "SELECT shop, count(*) FILTER (WHERE is_paid AND paid_at IS NULL)"
                " FROM staging.stg_orders GROUP BY shop"
            ).fetchall()
            assert all(count == 0 for _, count in paid), paid
            berlin_marks = conn.execute(
                "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE shop = 'berlin'"
                " ORDER BY order_id"
            ).fetchall()
            # Each shop's states in its own language, with its own PS_OS_DELIVERED.
            states = {
                (shop, state_id): (name, delivered)
                for shop, state_id, name, delivered in conn.execute(
                    "SELECT shop, order_state_id, order_state_name, is_delivered_state"
                    " FROM staging.stg_order_states WHERE order_state_id IN (4, 5)"
                ).fetchall()
            }
            assert states[("paris", 5)] == ("Delivered", True)
            assert states[("paris", 4)][1] is False
            assert states[("berlin", 5)] == ("Livré", False)
            assert states[("berlin", 4)][1] is True

        # Paris moves on; berlin does not. An incremental build restages paris's changes only.
        advance_shop(paths["paris"], hours=72)
        sync_shop(paris, migrated_database, "paris")
        dbt("build", "--select", "staging")
        with psycopg.connect(migrated_database) as conn:
            assert _staged(conn, "paris") == _orders_in_shop(paris)
            assert _staged(conn, "berlin") == _orders_in_shop(berlin)
            assert (
                conn.execute(
                    "SELECT order_id, _batch_xmin FROM staging.stg_orders WHERE shop = 'berlin'"
                    " ORDER BY order_id"
                ).fetchall()
                == berlin_marks
            )
