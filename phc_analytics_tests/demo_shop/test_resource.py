"""DemoShopResource: one server per run, one per use outside a run."""

import socket
from urllib.parse import urlsplit

import dagster as dg

from phc_analytics.demo_shop.resource import DemoShopResource
from phc_analytics.prestashop.entities import BY_NAME


def answers(base_url: str) -> bool:
    parts = urlsplit(base_url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def test_a_run_shares_one_demo_shop_server_and_stops_it_at_the_end(shop_path):
    resource = DemoShopResource(shop_path=str(shop_path))
    with dg.build_resources({"prestashop": resource}) as resources:
        shop = resources.prestashop
        with shop.client() as first:
            first_url = first.base_url
            assert first.max_cursor(BY_NAME["orders"]) is not None
        with shop.client() as second:
            # The same server, still up between two steps of the run.
            assert second.base_url == first_url
            assert second.max_cursor(BY_NAME["customers"]) is not None
    assert not answers(first_url)


def test_outside_a_run_each_use_has_its_own_server(shop_path):
    resource = DemoShopResource(shop_path=str(shop_path))
    with resource.client() as client:
        url = client.base_url
        assert client.max_cursor(BY_NAME["orders"]) is not None
    assert not answers(url)
