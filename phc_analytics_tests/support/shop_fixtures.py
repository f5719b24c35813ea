"""Shop fixtures for tests that sync a demo shop over HTTP: a 1,500-order template generated
once per session, a private copy per test, its server and a client with fast retries."""

from pathlib import Path

import pytest

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics_tests.support.shop import copy_shop, make_template


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("shops"), orders=1500, seed=11)


@pytest.fixture
def shop_path(shop_template: Path, tmp_path: Path) -> Path:
    return copy_shop(shop_template, tmp_path)


@pytest.fixture
def shop_server(shop_path: Path):
    with DemoShopServer(shop_path) as server:
        yield server


@pytest.fixture
def client(shop_server):
    client = PrestaShopClient(shop_server.url, shop_server.ws_key, page_size=200, backoff_s=0.01)
    yield client
    client.close()
