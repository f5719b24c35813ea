"""Small shops generated once per session, and a server on a free port serving them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, generate_shop

END = datetime(2025, 6, 1)
SEED = 11
ORDERS = 1500


@pytest.fixture(scope="session")
def shop_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop.sqlite"
    generate_shop(path, orders=ORDERS, seed=SEED, end=END)
    return path


@pytest.fixture(scope="session")
def server(shop_path):
    with DemoShopServer(shop_path) as srv:
        yield srv


@pytest.fixture(scope="session")
def api(server):
    return f"{server.url}/api/"


@pytest.fixture
def session(server):
    with requests.Session() as s:
        s.auth = (server.ws_key, "")
        yield s


@pytest.fixture
def get_json(session, api):
    def get(path: str, **params):
        params.setdefault("output_format", "JSON")
        return session.get(api + path, params=params, timeout=30)

    return get


def http_get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=kwargs.pop("timeout", 30), **kwargs)


def parse_xml(content: bytes):
    """Parse a body from our own test server (trusted input)."""
    return ET.fromstring(content)  # noqa: S314
