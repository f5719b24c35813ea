"""Properties of the client: keyset paging reads a window exactly, and URLs lose credentials.

Paging runs over real HTTP against one demo shop for the module; the oracle is the shop's own
SQLite file, read once.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phc_analytics.demo_shop import DemoShopServer
from phc_analytics.prestashop.client import PrestaShopClient, _clean_base_url
from phc_analytics.prestashop.entities import BY_NAME, Entity
from phc_analytics.prestashop.parsing import SHOP_DATETIME
from phc_analytics_tests.support.shop import copy_shop

PAGED = [BY_NAME["orders"], BY_NAME["customers"], BY_NAME["order_histories"]]


@dataclass(frozen=True)
class Shop:
    url: str
    ws_key: str
    cursors: dict[str, list[tuple[int, datetime]]]  # entity -> (id, cursor) of every record

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Shop({self.url})"


@pytest.fixture(scope="module")
def shop(shop_template, tmp_path_factory):
    path = copy_shop(shop_template, tmp_path_factory.mktemp("paging"))
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        cursors = {
            e.name: [
                (i, datetime.strptime(c, SHOP_DATETIME))
                for i, c in conn.execute(f"SELECT id, {e.cursor} FROM {e.name}")
            ]
            for e in PAGED
        }
    with DemoShopServer(path) as server:
        yield Shop(server.url, server.ws_key, cursors)


@st.composite
def reads(draw, shop: Shop) -> tuple[Entity, tuple[datetime, datetime], int]:
    entity = draw(st.sampled_from(PAGED))
    values = [c for _, c in shop.cursors[entity.name]]
    # Start on a record's own cursor (give or take a second) or anywhere in its history.
    start = draw(
        st.sampled_from(values).flatmap(
            lambda v: st.integers(-1, 1).map(lambda s: v + timedelta(seconds=s))
        )
        | st.integers(0, int((max(values) - min(values)).total_seconds())).map(
            lambda s: min(values) + timedelta(seconds=s)
        )
    )
    end = start + timedelta(seconds=draw(st.integers(0, 40 * 86_400)))
    return entity, (start, end), draw(st.integers(1, 40))


@settings(max_examples=40, deadline=5000)
@given(data=st.data())
def test_keyset_paging_reads_exactly_the_window_in_id_order(shop, data):
    entity, (low, high), page_size = data.draw(reads(shop))
    expected = sorted(i for i, c in shop.cursors[entity.name] if low <= c <= high)
    client = PrestaShopClient(shop.url, shop.ws_key, page_size=page_size, backoff_s=0.01)
    try:
        pages = list(client.iter_pages(entity, (low, high), fields=[entity.cursor]))
    finally:
        client.close()
    got = [int(r["id"]) for page in pages for r in page.records]
    assert got == expected, (entity.name, low, high, page_size)
    assert all(len(page.records) <= page_size for page in pages)
    # Keyset paging stops at the first short page: one request more than the full pages.
    assert len(pages) == len(expected) // page_size + 1


credentials = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1)


@given(
    user=credentials,
    key=credentials,
    scheme=st.sampled_from(["http", "https"]),
    port=st.none() | st.integers(1, 65535),
    path=st.sampled_from(["", "/shop", "/boutique/fr"]),
    api=st.sampled_from(["", "/", "/api", "/api/"]),
)
def test_the_base_url_keeps_host_port_and_path_and_drops_credentials(
    user, key, scheme, port, path, api
):
    netloc = f"{quote(user)}:{quote(key)}@shop.example.com" + (f":{port}" if port else "")
    cleaned = _clean_base_url(f"{scheme}://{netloc}{path}{api}")
    parts = urlsplit(cleaned)
    assert parts.netloc == "shop.example.com" + (f":{port}" if port else "")  # no user, no key
    assert parts.scheme == scheme and parts.path == path
    assert not parts.query and not parts.fragment
