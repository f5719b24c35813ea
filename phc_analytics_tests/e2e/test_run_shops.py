"""`phc-analytics run` with a shops file of several shops (issue 17): the shops are synced
`max_parallel_shops` at a time, each under its own name in a process of its own, then staging
and the marts are built once over all of them; a shop whose API fails fails alone, named in the
one-line error and in the quality report, and the others land and are refreshed. A shop that
chooses some of its stores (`stores: [1, 3]`) is read whole and reported on those stores."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.demo_shop import DemoShopServer, generate_shop
from phc_analytics.warehouse.location import to_sqlalchemy
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.support.shop import make_template
from phc_analytics_tests.test_cli import run_cli

pytestmark = pytest.mark.server


def test_run_syncs_each_shop_of_the_file_and_a_failing_shop_fails_alone(pg_admin_url, tmp_path):
    # Paris: three stores, of which the file chooses 1 and 3 (store 2 shares customers and
    # stock with store 1).
    paris = tmp_path / "paris.sqlite"
    generate_shop(paris, orders=140, seed=31, stores=3)
    with closing(sqlite3.connect(paris)) as shop:
        chosen_orders = shop.execute(
            "SELECT count(*) FROM orders WHERE json_extract(json, '$.id_shop') IN ('1', '3')"
        ).fetchone()[0]
    assert 0 < chosen_orders < 140
    berlin = make_template(tmp_path, orders=110, seed=32)
    names = [create_database(pg_admin_url, prefix="phc_shops") for _ in range(2)]
    warehouse, dagster = (with_database(pg_admin_url, n) for n in names)
    apply_migrations(warehouse, settings.migrations_dir())
    try:
        with DemoShopServer(paris) as p, DemoShopServer(berlin) as b:
            shops = tmp_path / "shops.yaml"
            # lyon answers every request with an error (no Webservice under that path).
            shops.write_text(
                "shops:\n"
                f"  - {{name: paris, url: '{p.url}', key_env: PARIS_WS_KEY, stores: [3, 1]}}\n"
                f"  - {{name: lyon, url: '{b.url}/lyon', key_env: LYON_WS_KEY}}\n"
                f"  - {{name: berlin, url: '{b.url}', key_env: BERLIN_WS_KEY}}\n"
                "max_parallel_shops: 2\n"
            )
            env = {
                settings.ENV_DATABASE_URL: warehouse,
                settings.ENV_DAGSTER_PG_URL: to_sqlalchemy(dagster),
                settings.ENV_SHOPS_FILE: str(shops),
                settings.ENV_HOME: str(tmp_path / "phc"),
                "PHC_DAGSTER_STORAGE": str(tmp_path / "dagster"),
                "PHC_QUALITY_REPORT": str(tmp_path / "report.json"),
                "PARIS_WS_KEY": p.ws_key,
                "BERLIN_WS_KEY": b.ws_key,
                "LYON_WS_KEY": b.ws_key,
            }
            result = run_cli("run", env=env)
            assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
            assert "syncing 3 shops, 2 at a time" in result.stdout
            error = result.stderr.strip().splitlines()[-1]
            assert error.startswith("error: shop lyon failed:"), error
            assert "paris" not in error and "berlin" not in error
            assert "the other shops were synced and the marts refreshed with them" in error
            with psycopg.connect(warehouse) as conn:
                orders = dict(
                    conn.execute(
                        "SELECT shop, count(*) FROM analytics.fct_orders GROUP BY shop"
                    ).fetchall()
                )
                raw_orders = dict(
                    conn.execute(
                        "SELECT shop, count(DISTINCT id) FROM raw.orders GROUP BY shop"
                    ).fetchall()
                )
                reported = conn.execute(
                    "SELECT shop_id, is_reported FROM analytics.dim_shop WHERE shop = 'paris'"
                    " ORDER BY shop_id"
                ).fetchall()
            # Raw holds every store; the marts the chosen ones.
            assert raw_orders == {"paris": 140, "berlin": 110}
            assert orders == {"paris": chosen_orders, "berlin": 110}
            assert reported == [(1, True), (2, False), (3, True)]
            # The quality report, written by the build after the syncs, names the shop.
            status = run_cli("status", env=env)
            assert "shops whose latest sync failed: lyon" in status.stdout, status.stdout
            # Each shop's figures match its own rows in the marts.
            for name in ("paris", "berlin"):
                reconciled = run_cli("reconcile", "--shop", name, env=env)
                assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
                assert f"reconciled {name}" in reconciled.stdout
                if name == "paris":
                    assert "shop paris (stores 1, 3):" in reconciled.stdout
    finally:
        for name in names:
            drop_database(pg_admin_url, name)
