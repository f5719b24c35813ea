"""PrestaShopResource on a shop it is given (here the demo shop's server, over HTTP)."""

import dagster as dg
import pytest

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.entities import BY_NAME
from phc_analytics.prestashop.resource import PrestaShopResource


def test_reads_the_shop_at_the_url_and_key_in_the_environment(monkeypatch, shop_server):
    monkeypatch.setenv(settings.ENV_PRESTASHOP_URL, shop_server.url)
    monkeypatch.setenv(settings.ENV_PRESTASHOP_WS_KEY, shop_server.ws_key)
    resource = PrestaShopResource(
        base_url=dg.EnvVar(settings.ENV_PRESTASHOP_URL),
        ws_key=dg.EnvVar(settings.ENV_PRESTASHOP_WS_KEY),
    )
    # Outside a run (as `phc-analytics reconcile` uses it) and inside one.
    with resource.client() as client:
        assert client.base_url == shop_server.url
        assert client.max_cursor(BY_NAME["orders"]) is not None
    with (
        dg.build_resources({"prestashop": resource}) as resources,
        resources.prestashop.client() as client,
    ):
        assert client.max_cursor(BY_NAME["customers"]) is not None


def test_without_a_url_it_says_which_variable_to_set():
    with (
        pytest.raises(PhcError, match="^PRESTASHOP_URL is empty"),
        PrestaShopResource(ws_key="k" * 32).client(),
    ):
        pass
