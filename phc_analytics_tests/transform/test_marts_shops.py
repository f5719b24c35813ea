"""The marts keep installations apart (issue 17): a warehouse holding two shops whose ids
overlap has, for each shop, exactly the marts a warehouse holding that shop alone has, before
and after an incremental build of one shop's change (which leaves the other shop's fact rows
untouched); totals across the shops are the sums of each shop's; a shop that does not know the
reporting currency is converted through one that knows both; and a shop that chooses some of
its stores reports those."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from decimal import Decimal

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.demo_shop import DemoShopServer, advance_shop, generate_shop
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.reporting.reconcile import compare as reconcile_compare
from phc_analytics.reporting.reconcile import shop_figures, warehouse_figures
from phc_analytics.transform import changes, store_selection
from phc_analytics_tests.correctness.dbt_inprocess import InProcessDbt
from phc_analytics_tests.correctness.warehouse_compare import compare, relations
from phc_analytics_tests.support.databases import (
    copy_database,
    drop_database,
    session_name,
    with_database,
)
from phc_analytics_tests.support.shop import sync_shop
from phc_analytics_tests.test_cli import run_cli

pytestmark = pytest.mark.server

# Paris: three stores, one selling in pounds. Berlin: one store. The same ids in both.
SHOPS = {"paris": (150, 5, 3), "berlin": (110, 6, 1)}  # orders, seed, stores
# dim_date spans the orders of every shop in the warehouse: the one mart that is shared.
SHARED = {"dim_date"}


@pytest.fixture(scope="module")
def shop_templates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("marts_shops")
    paths = {}
    for name, (orders, seed, stores) in SHOPS.items():
        paths[name] = directory / f"{name}.sqlite"
        generate_shop(
            paths[name], orders=orders, seed=seed, end=datetime(2025, 6, 1), stores=stores
        )
    return paths


@pytest.fixture
def warehouses(pg_admin_url, migrated_template):
    """Three migrated warehouses: both shops, paris alone, berlin alone."""
    names = {
        key: copy_database(pg_admin_url, migrated_template, session_name(f"marts_{key}"))
        for key in ("both", "paris", "berlin")
    }
    try:
        yield {key: with_database(pg_admin_url, name) for key, name in names.items()}
    finally:
        for name in names.values():
            drop_database(pg_admin_url, name)


def _marts(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [name for name in relations(conn, "analytics", "mrv") if name not in SHARED]


def _assert_each_shop_is_its_own_warehouse(urls: dict[str, str]) -> None:
    marts = _marts(urls["both"])
    assert "fct_orders" in marts and "dim_shop" in marts
    for shop in SHOPS:
        compared, diffs = compare(urls["both"], urls[shop], "analytics", marts, shop_in_a=shop)
        assert compared == marts
        assert not diffs, f"{shop}: " + "\n".join(map(str, diffs))


def _fact_marks(url: str) -> dict[str, list[tuple[int, int]]]:
    """Per shop, each order's _mart_xid: which transaction last wrote its fact row."""
    with psycopg.connect(url) as conn:
        return {
            shop: conn.execute(
                "SELECT order_id, _mart_xid FROM analytics.fct_orders WHERE shop = %s"
                " ORDER BY order_id",
                (shop,),
            ).fetchall()
            for shop in SHOPS
        }


def _revenue(url: str) -> dict[str, Decimal]:
    with psycopg.connect(url) as conn:
        return dict(
            conn.execute(
                "SELECT shop, sum(net_revenue) FROM analytics.agg_sales_daily GROUP BY shop"
            ).fetchall()
        )


def test_two_shops_marts_are_each_shops_own_marts_and_totals_add_up(
    shop_templates, warehouses, tmp_path, monkeypatch
):
    # A fixed reporting currency: alone, each shop would otherwise report in its own.
    monkeypatch.setenv(settings.ENV_REPORTING_CURRENCY, "EUR")
    paths = {}
    for name, template in shop_templates.items():
        paths[name] = tmp_path / f"{name}.sqlite"
        shutil.copyfile(template, paths[name])
    dbt = {key: InProcessDbt(url, tmp_path / f"dbt_{key}") for key, url in warehouses.items()}
    with DemoShopServer(paths["paris"]) as paris, DemoShopServer(paths["berlin"]) as berlin:
        servers = {"paris": paris, "berlin": berlin}
        for name, server in servers.items():
            sync_shop(server, warehouses["both"], name)
            sync_shop(server, warehouses[name], name)
        # Every model and every test in the two-shop warehouse (keys and relations per shop);
        # the models alone in the one-shop warehouses it is compared with.
        for key in warehouses:
            dbt[key]("build" if key == "both" else "run")
        _assert_each_shop_is_its_own_warehouse(warehouses)
        with psycopg.connect(warehouses["both"]) as conn:
            overlap = conn.execute(
                "SELECT count(*) FROM analytics.fct_orders AS p JOIN analytics.fct_orders AS b"
                " USING (order_id) WHERE p.shop = 'paris' AND b.shop = 'berlin'"
            ).fetchone()[0]
            assert overlap >= 100  # the same ids, two orders each
            stores = conn.execute(
                "SELECT shop, count(*), count(DISTINCT currency) FROM analytics.dim_shop"
                " GROUP BY shop ORDER BY shop"
            ).fetchall()
            assert stores == [("berlin", 1, 1), ("paris", 3, 2)]
        marks = _fact_marks(warehouses["both"])
        # The total across shops is the sum of each shop's own.
        both = _revenue(warehouses["both"])
        assert both == {name: _revenue(warehouses[name])[name] for name in SHOPS}

        # `phc-analytics reconcile` compares each shop of the shops file with its own rows.
        shops_file = tmp_path / "shops.yaml"
        shops_file.write_text(
            "shops:\n"
            + "".join(
                f"  - {{name: {name}, url: '{server.url}', key_env: {name.upper()}_WS_KEY}}\n"
                for name, server in servers.items()
            )
        )
        env = {
            settings.ENV_SHOPS_FILE: str(shops_file),
            settings.ENV_DATABASE_URL: warehouses["both"],
            **{f"{name.upper()}_WS_KEY": server.ws_key for name, server in servers.items()},
        }
        clean = run_cli("reconcile", env=env)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "reconciled paris" in clean.stdout and "reconciled berlin" in clean.stdout
        # Berlin moves on unsynced (and stays so): berlin differs, paris still matches.
        advance_shop(paths["berlin"], hours=24 * 60)
        drift = run_cli("reconcile", env=env)
        assert drift.returncode == 1, drift.stdout + drift.stderr
        assert "reconciled paris" in drift.stdout
        assert "not reconciled: berlin" in drift.stdout

        # Paris moves on; berlin does not. Incremental builds: paris's rows follow its shop,
        # berlin's fact rows are not even rewritten.
        advance_shop(paths["paris"], hours=24 * 60)  # a small shop: a few orders a week
        for key in ("both", "paris"):
            stats = sync_shop(paris, warehouses[key], "paris")
            assert stats["orders"].new_versions > 0
            dbt[key]("build" if key == "both" else "run")
        _assert_each_shop_is_its_own_warehouse(warehouses)
        after = _fact_marks(warehouses["both"])
        assert after["berlin"] == marks["berlin"]
        assert len(set(after["paris"]) - set(marks["paris"])) > 0


def test_a_shop_without_the_reporting_currency_converts_through_one_that_has_both(
    shop_templates, warehouses, tmp_path, monkeypatch
):
    """Berlin has no US dollar; paris has euros and dollars: berlin's euro orders reach dollars
    at paris's rates of their day."""
    monkeypatch.setenv(settings.ENV_REPORTING_CURRENCY, "USD")
    paths = {}
    for name, template in shop_templates.items():
        paths[name] = tmp_path / f"{name}.sqlite"
        shutil.copyfile(template, paths[name])
    with closing(sqlite3.connect(paths["berlin"])) as conn, conn:
        dropped = conn.execute(
            "DELETE FROM currencies WHERE json_extract(json, '$.iso_code') = 'USD'"
        ).rowcount
        assert dropped == 1
    url = warehouses["both"]
    with DemoShopServer(paths["paris"]) as paris, DemoShopServer(paths["berlin"]) as berlin:
        sync_shop(paris, url, "paris")
        sync_shop(berlin, url, "berlin")
    InProcessDbt(url, tmp_path / "dbt")("build")
    with psycopg.connect(url) as conn:
        knows_usd = dict(
            conn.execute(
                "SELECT shop, bool_or(iso_code = 'USD') FROM staging.stg_currencies GROUP BY shop"
            ).fetchall()
        )
        assert knows_usd == {"paris": True, "berlin": False}
        rates = dict(
            conn.execute(
                "SELECT iso_code, rate FROM staging.stg_currency_rates WHERE shop = 'paris'"
                " AND iso_code IN ('EUR', 'USD')"
            ).fetchall()
        )
        rows = conn.execute(
            "SELECT order_currency, conversion_rate, reporting_rate, net_revenue,"
            " net_revenue_order_currency, currency FROM analytics.fct_orders"
            " WHERE shop = 'berlin'"
        ).fetchall()
    assert len(rows) == SHOPS["berlin"][0]
    for order_currency, conversion_rate, reporting_rate, net, net_own, currency in rows:
        assert currency == "USD"
        # Berlin's store sells in euros: order currency -> euros at the order's rate, then
        # euros -> dollars at paris's rates.
        expected_rate = float(conversion_rate or 1) * float(rates["EUR"] / rates["USD"])
        assert float(reporting_rate) == pytest.approx(expected_rate, rel=1e-9), order_currency
        assert float(net) == pytest.approx(float(net_own) / expected_rate, abs=1e-6)


def _stores_in(url: str, relation: str, column: str = "shop_id") -> set[int]:
    with psycopg.connect(url) as conn:
        return {s for (s,) in conn.execute(f"SELECT DISTINCT {column} FROM {relation}")}


def _reconciled(server, url: str, stores: tuple[int, ...] | None) -> list:
    """Paris's own figures (of ``stores``) against its rows in the marts: the differences, but
    for deletes (the delete sweep, which finds them, is not run here)."""
    client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    try:
        shop = shop_figures(client, "EUR", stores)
    finally:
        client.close()
    with psycopg.connect(url) as conn:
        differences = reconcile_compare(shop, warehouse_figures(conn, "paris"))
    return [d for d in differences if d.metric != "deleted ids"]


STAGING = [f"staging.{m}" for m in store_selection.STAGING_MODELS]
MARTS = [f"analytics.{m}" for m in changes.INCREMENTAL_MARTS]


def test_a_store_subset_reports_its_stores_and_a_new_subset_rebuilds_what_was_built_with_another(
    shop_templates, warehouses, tmp_path, monkeypatch
):
    """Paris with `stores: [2, 3]`: raw keeps store 1, staging and the marts do not (its orders,
    lines, carts, stock of its own, the slips and payments of its orders, the customers who
    never bought in a chosen store), and paris reconciles on stores 2 and 3; berlin, beside it
    with no selection, keeps its store 1. Choosing every store again rebuilds, whole, each model
    built with the other selection: one built alone since is not rebuilt again."""
    monkeypatch.setenv(settings.ENV_REPORTING_CURRENCY, "EUR")
    paths = {}
    for name in ("paris", "berlin"):
        paths[name] = tmp_path / f"{name}.sqlite"
        shutil.copyfile(shop_templates[name], paths[name])
    url = warehouses["both"]
    dbt = InProcessDbt(url, tmp_path / "dbt")
    chosen = (2, 3)
    with DemoShopServer(paths["paris"]) as paris, DemoShopServer(paths["berlin"]) as berlin:
        sync_shop(paris, url, "paris")
        sync_shop(berlin, url, "berlin")
        with psycopg.connect(url, autocommit=True) as conn:
            with pytest.raises(
                PhcError, match=r"chooses store 7 of paris, which has stores 1, 2, 3"
            ):
                store_selection.write_selection(conn, {"paris": (2, 7)})
            store_selection.write_selection(conn, {"paris": chosen})
        dbt("build")
        assert _stores_in(url, "raw.orders", "(payload ->> 'id_shop')::int") == {1, 2, 3}
        paris_only = "(SELECT * FROM {} WHERE shop = 'paris') AS t"
        for relation in ("analytics.fct_orders", "analytics.fct_order_lines", "staging.stg_carts"):
            assert _stores_in(url, paris_only.format(relation)) == set(chosen), relation
        # Store 1 shares stock with store 2 (group rows, store 0); store 3 has its own.
        assert _stores_in(url, paris_only.format("staging.stg_stock_availables")) == {0, 3}
        # The selection is paris's alone: berlin's store 1 is all there.
        with psycopg.connect(url) as conn:
            (berlin_orders,) = conn.execute(
                "SELECT count(*) FROM analytics.fct_orders WHERE shop = 'berlin' AND shop_id = 1"
            ).fetchone()
            assert berlin_orders == SHOPS["berlin"][0]
            reported = conn.execute(
                "SELECT shop, shop_id, is_reported FROM analytics.dim_shop ORDER BY 1, 2"
            ).fetchall()
            assert reported == [
                ("berlin", 1, True), ("paris", 1, False), ("paris", 2, True), ("paris", 3, True)
            ]  # fmt: skip
        assert _reconciled(paris, url, chosen) == []
        # Against every store, the shop has more than the marts: the subset is not everything.
        assert _reconciled(paris, url, None) != []
        with psycopg.connect(url, autocommit=True) as conn:
            assert store_selection.changed_reason(conn, STAGING + MARTS) is None

        # (Incremental builds with a selection: the property test's chain 1.)
        # Every store again. Each model records the selection it was built with: staging's
        # orders built alone since are not rebuilt again; the rest is, whole, once.
        with psycopg.connect(url, autocommit=True) as conn:
            store_selection.write_selection(conn, {})
            assert store_selection.changed_reason(conn, STAGING) == (
                "the stores chosen for paris changed since stg_carts, stg_orders,"
                " stg_stock_availables were built"
            )
        dbt("run", "--full-refresh", "--select", "stg_orders")
        with psycopg.connect(url, autocommit=True) as conn:
            assert store_selection.changed_reason(conn, ["staging.stg_orders"]) is None
            assert store_selection.changed_reason(conn, STAGING) == (
                "the stores chosen for paris changed since stg_carts, stg_stock_availables"
                " were built"
            )
            assert "changed since agg_carts_daily" in store_selection.changed_reason(conn, MARTS)
        dbt("build", "--full-refresh", "--exclude", "stg_orders")
        assert _stores_in(url, paris_only.format("analytics.fct_orders")) == {1, 2, 3}
        assert _reconciled(paris, url, None) == []
        with psycopg.connect(url, autocommit=True) as conn:
            assert store_selection.changed_reason(conn, STAGING + MARTS) is None
