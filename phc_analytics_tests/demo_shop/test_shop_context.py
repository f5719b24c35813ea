"""Shop-context rules (reference/prestashop-multistore.md section 1), without a server."""

from __future__ import annotations

import pytest

from phc_analytics.demo_shop.multistore import installation, layout
from phc_analytics.demo_shop.query import WsError
from phc_analytics.demo_shop.shop_context import (
    Context,
    Installation,
    Redirect,
    Store,
    customer_restriction,
    order_shops,
    resolve,
    stock_restriction,
)

THREE = installation(layout(3))


def test_without_a_parameter_the_url_shop_is_the_context():
    assert resolve({}, 2, THREE) == Context(2, "shop", (2,), 1)


@pytest.mark.parametrize("value", ["9", "0", "x"])
def test_an_unknown_or_malformed_shop_is_a_redirect_not_an_api_error(value):
    with pytest.raises(Redirect):
        resolve({"id_shop": value}, 1, THREE)


def test_an_inactive_shop_is_a_redirect_too():
    stores = dict(THREE.stores)
    stores[3] = Store(3, 2, active=False)
    inst = Installation(stores, THREE.groups, 1)
    with pytest.raises(Redirect):
        resolve({"id_shop": "3"}, 1, inst)
    assert resolve({"id_shop": "all"}, 1, inst).ids == (1, 2)


def test_all_takes_the_default_shop_as_context_and_every_active_shop():
    assert resolve({"id_shop": "all"}, 3, THREE) == Context(1, "all", (1, 2, 3))


@pytest.mark.parametrize("name", ["id_shop_group", "id_group_shop"])
def test_the_group_beats_id_shop_and_keeps_the_context_shop(name):
    ctx = resolve({"id_shop": "3", name: "1"}, 1, THREE)
    assert ctx == Context(3, "group", (1, 2), 1)


def test_a_group_without_shops_is_error_999():
    with pytest.raises(WsError) as e:
        resolve({"id_shop_group": "7"}, 1, THREE)
    assert (e.value.status, e.value.errors[0][0]) == (500, 999)


def test_a_non_numeric_group_is_ignored():
    assert resolve({"id_shop_group": "abc"}, 1, THREE).kind == "shop"


def test_orders_widen_to_the_group_that_shares_them_in_a_shop_context_only():
    assert order_shops(resolve({"id_shop": "2"}, 1, THREE), THREE) == (1, 2)
    assert order_shops(resolve({"id_shop": "3"}, 1, THREE), THREE) == (3,)
    assert order_shops(resolve({"id_shop": "all"}, 1, THREE), THREE) == (1, 2, 3)
    assert order_shops(resolve({"id_shop_group": "2"}, 1, THREE), THREE) == (3,)


def test_customers_of_a_sharing_group_are_restricted_by_group():
    assert customer_restriction(resolve({}, 1, THREE), THREE) == ("id_shop_group", (1,))
    assert customer_restriction(resolve({"id_shop": "3"}, 1, THREE), THREE) == ("id_shop", (3,))
    assert customer_restriction(resolve({"id_shop": "all"}, 1, THREE), THREE) == (
        "id_shop",
        (1, 2, 3),
    )


def test_stock_rows_are_the_shops_own_or_their_groups():
    assert stock_restriction(resolve({"id_shop": "2"}, 1, THREE), THREE) == ((2,), (1,))
    assert stock_restriction(resolve({"id_shop": "all"}, 1, THREE), THREE) == ((1, 2, 3), (1, 2))


def test_layout_bounds():
    assert [s.currency for s in layout(5)] == [1, 1, 3, 4, 2]
    with pytest.raises(ValueError, match="between 1 and 8"):
        layout(9)
