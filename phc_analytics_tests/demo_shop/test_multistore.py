"""A served multistore installation answers per shop context as PrestaShop 8 does."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, advance_shop, generate_shop
from phc_analytics_tests.demo_shop.conftest import END

ORDERS = 1200


@pytest.fixture(scope="module")
def multistore_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("multistore") / "shop.sqlite"
    generate_shop(path, orders=ORDERS, seed=23, end=END, stores=3)
    return path


@pytest.fixture(scope="module")
def shop(multistore_path):
    with DemoShopServer(multistore_path) as srv, requests.Session() as s:
        s.auth = (srv.ws_key, "")
        s.headers["Output-Format"] = "JSON"
        s.base = srv.url  # type: ignore[attr-defined]
        yield s


def listed(shop, resource: str, path: str = "/api/", **params) -> list[dict]:
    params.setdefault("display", "full")
    r = shop.get(f"{shop.base}{path}{resource}", params=params, timeout=30)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    return body[next(iter(body))] if body else []


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def stores(records: list[dict]) -> Counter:
    return Counter(r["id_shop"] for r in records)


def test_each_store_has_its_own_orders_and_every_order_is_in_exactly_one(shop, multistore_path):
    every = listed(shop, "orders", id_shop="all")
    assert len(every) == ORDERS
    by_store = stores(every)
    assert set(by_store) == {"1", "2", "3"} and min(by_store.values()) > ORDERS * 0.05
    assert listed(shop, "orders", id_shop="3") == [o for o in every if o["id_shop"] == "3"]


def test_the_default_context_reads_the_default_shops_group_only(shop):
    """Issue #25335: without id_shop, /api/orders misses the stores outside the default
    shop's group (here store 3), whatever the key may read."""
    default = listed(shop, "orders", display="[id,id_shop]")
    assert set(stores(default)) == {"1", "2"}  # group 1 shares its orders
    assert listed(shop, "orders", display="[id,id_shop]", id_shop="2") == default
    assert len(default) < ORDERS


def test_group_parameter_beats_id_shop_and_an_empty_group_is_error_999(shop):
    assert set(stores(listed(shop, "orders", id_shop="3", id_shop_group="1"))) == {"1", "2"}
    assert set(stores(listed(shop, "orders", id_group_shop="2"))) == {"3"}
    r = shop.get(f"{shop.base}/api/orders", params={"id_shop_group": "9"}, timeout=30)
    assert (r.status_code, r.json()["errors"][0]["code"]) == (500, 999)


def test_an_unknown_shop_redirects_to_the_front_page(shop):
    r = shop.get(
        f"{shop.base}/api/orders",
        params={"id_shop": "7", "display": "full"},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 301
    assert r.headers["Location"] == f"{shop.base}/?url=orders&display=full"
    followed = shop.get(f"{shop.base}/api/orders", params={"id_shop": "7"}, timeout=30)
    # A client that follows redirects gets the shop's HTML page, with 200.
    assert followed.status_code == 200 and followed.headers["Content-Type"].startswith("text/html")


def test_customers_follow_their_groups_sharing(shop):
    every = listed(shop, "customers", id_shop="all", display="[id,id_shop,id_shop_group]")
    assert set(stores(listed(shop, "customers", id_shop="2"))) == {"1", "2"}
    assert set(stores(listed(shop, "customers", id_shop="3"))) == {"3"}
    assert all((c["id_shop"] == "3") == (c["id_shop_group"] == "2") for c in every)


def test_unrestricted_lists_show_every_shop_whatever_the_context(shop):
    for resource in ("order_details", "carts", "order_histories", "addresses"):
        in_3 = listed(shop, resource, id_shop="3", display="[id]")
        assert in_3 == listed(shop, resource, display="[id]"), resource
    assert set(stores(listed(shop, "order_details", id_shop="1"))) == {"1", "2", "3"}


def test_lines_and_carts_carry_their_orders_store(shop):
    orders = {o["id"]: o for o in listed(shop, "orders", id_shop="all")}
    for line in listed(shop, "order_details"):
        assert line["id_shop"] == orders[int(line["id_order"])]["id_shop"]
    carts = {c["id"]: c for c in listed(shop, "carts")}
    for order in orders.values():
        assert carts[int(order["id_cart"])]["id_shop"] == order["id_shop"]


def test_catalogue_values_are_the_context_shops(shop):
    def products(**params):
        found = listed(shop, "products", display="[id,price,active]", **params)
        return {p["id"]: p for p in found}

    home, outlet, uk = products(), products(id_shop="2"), products(id_shop="3")
    assert home.keys() == outlet.keys() == uk.keys()
    for pid, p in home.items():
        assert float(uk[pid]["price"]) == pytest.approx(float(p["price"]) * 0.86, abs=1e-6)
    retired = [pid for pid in home if outlet[pid]["active"] != home[pid]["active"]]
    assert 0 < len(retired) < len(home) / 4
    # the shop's own URL picks its values too, and the group does not widen the list
    assert products(id_shop_group="2") == home
    assert {
        p["id"]: p for p in listed(shop, "products", "/outlet/api/", display="[id,price,active]")
    } == outlet


def test_currency_rates_are_against_each_shops_default_currency(shop):
    def rates(**params):
        found = listed(shop, "currencies", display="[iso_code,conversion_rate]", **params)
        return {c["iso_code"]: float(c["conversion_rate"]) for c in found}

    assert rates()["EUR"] == 1.0
    uk = rates(id_shop="3")
    assert uk["GBP"] == 1.0 and uk["EUR"] == pytest.approx(1 / 0.86, abs=1e-6)
    config = listed(shop, "configurations", **{"filter[name]": "[PS_CURRENCY_DEFAULT|PS_TIMEZONE]"})
    per_shop = {(c["name"], c["id_shop"]): c["value"] for c in config}
    assert per_shop == {
        ("PS_CURRENCY_DEFAULT", ""): "1",
        ("PS_TIMEZONE", ""): "Europe/Paris",
        ("PS_CURRENCY_DEFAULT", "3"): "3",
        ("PS_TIMEZONE", "3"): "Europe/London",
    }


def test_an_orders_rate_is_against_its_shops_default_currency(shop):
    for order in listed(shop, "orders", id_shop="all"):
        own = {"3": "3"}.get(order["id_shop"], "1")
        if order["id_currency"] == own:
            assert order["conversion_rate"] == "1.000000", order["id"]
    uk_eur = [o for o in listed(shop, "orders", id_shop="3") if o["id_currency"] == "1"]
    assert uk_eur and all(1.05 < float(o["conversion_rate"]) < 1.3 for o in uk_eur)


def test_stock_is_shared_in_the_group_and_own_in_store_3(shop):
    group = listed(shop, "stock_availables", id_shop="1")
    own = listed(shop, "stock_availables", id_shop="3")
    assert {(s["id_shop"], s["id_shop_group"]) for s in group} == {("0", "1")}
    assert {(s["id_shop"], s["id_shop_group"]) for s in own} == {("3", "0")}
    assert sorted(s["id_product"] for s in group) == sorted(s["id_product"] for s in own)
    # Dense ids, as an auto-increment gives: the delete sweep reads ids in windows up to the
    # highest one, so sparse ids would cost a request per empty window.
    every = listed(shop, "stock_availables", id_shop="all", display="[id]")
    assert max(s["id"] for s in every) == len(every)
    r = shop.get(f"{shop.base}/api/stock_availables/{own[0]['id']}", timeout=30)
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == 131
    order_3 = listed(shop, "orders", id_shop="3", display="[id]")[0]["id"]
    assert shop.get(f"{shop.base}/api/orders/{order_3}", timeout=30).status_code == 200


def test_shops_groups_and_urls_are_listed_whole(shop):
    assert [(s["id"], s["id_shop_group"]) for s in listed(shop, "shops", id_shop="3")] == [
        (1, "1"),
        (2, "1"),
        (3, "2"),
    ]
    groups = listed(shop, "shop_groups")
    assert [(g["id"], g["share_order"]) for g in groups] == [(1, "1"), (2, "0")]
    assert [u["virtual_uri"] for u in listed(shop, "shop_urls")] == ["", "outlet/", "store3/"]


def test_advance_gives_new_records_their_store(multistore_path, tmp_path):
    path = tmp_path / "advanced.sqlite"
    path.write_bytes(multistore_path.read_bytes())
    result = advance_shop(path, hours=24 * 7)
    assert result.new_orders > 0
    unassigned = rows(
        path,
        "SELECT COUNT(*) FROM orders o JOIN customers c "
        "ON c.id = json_extract(o.json, '$.id_customer') "
        "WHERE json_extract(c.json, '$.id_shop_group') != json_extract(o.json, '$.id_shop_group')",
    )
    assert unassigned == [(0,)]
    new = rows(path, f"SELECT json_extract(json, '$.id_shop') FROM orders WHERE id > {ORDERS}")
    assert {r[0] for r in new} <= {"1", "2", "3"} and len(new) == result.new_orders


def test_two_shops_serve_side_by_side(multistore_path, shop_path):
    with DemoShopServer(multistore_path) as a, DemoShopServer(shop_path) as b:
        assert a.url != b.url and a.ws_key != b.ws_key
        r = requests.get(
            f"{b.url}/api/shops", auth=(b.ws_key, ""), params={"output_format": "JSON"}, timeout=30
        )
        assert len(r.json()["shops"]) == 1
        refused = requests.get(f"{b.url}/api/shops", auth=(a.ws_key, ""), timeout=30)
        assert refused.status_code == 401
