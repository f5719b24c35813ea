"""`phc-analytics run` with a shops file of several shops (issue 17): the shops are synced
`max_parallel_shops` at a time, each under its own name in a process of its own, then staging
and the marts are built once over all of them; a shop whose API fails fails alone, named in the
one-line error and in the quality report, and the others land and are refreshed."""

from __future__ import annotations

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.demo_shop import DemoShopServer
from phc_analytics.warehouse.location import to_sqlalchemy
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.support.shop import make_template
from phc_analytics_tests.test_cli import run_cli

pytestmark = pytest.mark.server


def test_run_syncs_each_shop_of_the_file_and_a_failing_shop_fails_alone(pg_admin_url, tmp_path):
    paris = make_template(tmp_path, orders=140, seed=31)
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
                f"  - {{name: paris, url: '{p.url}', key_env: PARIS_WS_KEY}}\n"
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
                raw_shops = {s for (s,) in conn.execute("SELECT DISTINCT shop FROM raw.orders")}
            assert orders == {"paris": 140, "berlin": 110}
            assert raw_shops == {"paris", "berlin"}
            # The quality report, written by the build after the syncs, names the shop.
            status = run_cli("status", env=env)
            assert "shops whose latest sync failed: lyon" in status.stdout, status.stdout
            # Each shop's figures match its own rows in the marts.
            for name in ("paris", "berlin"):
                reconciled = run_cli("reconcile", "--shop", name, env=env)
                assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
                assert f"reconciled {name}" in reconciled.stdout
    finally:
        for name in names:
            drop_database(pg_admin_url, name)
