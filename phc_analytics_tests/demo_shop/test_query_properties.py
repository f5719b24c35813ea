"""The demo shop's list grammar against a brute-force reading of its own file.

Random id and date ranges (ends in either order, often on a record's own value), state lists
and exclusions, sorts and limits, sent over HTTP as a client sends them; the answer must be
what filtering, sorting and slicing every order in Python gives.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

SHOP_DATETIME = "%Y-%m-%d %H:%M:%S"
Order = tuple[int, datetime, int]  # id, date_upd, current_state


@dataclass(frozen=True)
class Shop:
    orders: list[Order]
    http: requests.Session
    api: str

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Shop({len(self.orders)} orders at {self.api})"

    def ids(self, params: dict) -> list[int]:
        query = {"display": "[id]", "date": "1", "output_format": "JSON", **params}
        response = self.http.get(self.api + "orders", params=query, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        return [] if body == [] else [o["id"] for o in body["orders"]]


@pytest.fixture(scope="module")
def shop(shop_path, server, api):
    # The session's shop is never advanced (tests that advance copy it first): read it once.
    with closing(sqlite3.connect(f"file:{shop_path}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT id, date_upd, current_state FROM orders").fetchall()
    orders = [(i, datetime.strptime(d, SHOP_DATETIME), s) for i, d, s in rows]
    with requests.Session() as http:
        http.auth = (server.ws_key, "")
        yield Shop(orders, http, api)


def text(value) -> str:
    return value.strftime(SHOP_DATETIME) if isinstance(value, datetime) else str(value)


def moments(orders: list[Order]):
    """Any second around the shop's history, or an order's own date_upd give or take one."""
    dates = [o[1] for o in orders]
    first, span = min(dates), int((max(dates) - min(dates)).total_seconds())
    return st.one_of(
        st.integers(-86_400, span + 86_400).map(lambda s: first + timedelta(seconds=s)),
        st.tuples(st.sampled_from(dates), st.integers(-1, 1)).map(
            lambda d: d[0] + timedelta(seconds=d[1])
        ),
        st.sampled_from(dates),
    )


def draw_filters(draw, orders: list[Order]) -> tuple[dict, list]:
    """Filter parameters and the oracle's reading of each (predicates over an order)."""
    params: dict = {}
    keep: list = []
    ids = [o[0] for o in orders]
    if draw(st.booleans()):
        a, b = (draw(st.integers(min(ids) - 5, max(ids) + 5)) for _ in range(2))
        params["filter[id]"] = f"[{a},{b}]"  # either order: the shop sorts the ends
        low, high = sorted((a, b))
        keep.append(lambda o, lo=low, hi=high: lo <= o[0] <= hi)
    kind = draw(st.sampled_from(["range", "after", "before", "none"]))
    if kind == "range":
        a, b = draw(moments(orders)), draw(moments(orders))
        params["filter[date_upd]"] = f"[{text(a)},{text(b)}]"
        low, high = sorted((a, b))
        keep.append(lambda o, lo=low, hi=high: lo <= o[1] <= hi)
    elif kind in ("after", "before"):
        at = draw(moments(orders))
        params["filter[date_upd]"] = (">" if kind == "after" else "<") + f"[{text(at)}]"
        keep.append(lambda o, at=at, k=kind: o[1] > at if k == "after" else o[1] < at)
    states = sorted({o[2] for o in orders})
    chosen = draw(st.lists(st.sampled_from(states), max_size=3, unique=True))
    if chosen:
        exclude = draw(st.booleans())
        values = "|".join(map(str, chosen))
        params["filter[current_state]"] = ("!" if exclude else "") + f"[{values}]"
        keep.append(lambda o, c=set(chosen), x=exclude: (o[2] not in c) if x else (o[2] in c))
    return params, keep


@settings(max_examples=50, deadline=2000)
@given(data=st.data())
def test_filters_match_a_brute_force_oracle(shop, data):
    params, keep = draw_filters(data.draw, shop.orders)
    expected = sorted(o[0] for o in shop.orders if all(k(o) for k in keep))
    assert shop.ids(params) == expected, params  # no sort: primary-key order


@settings(max_examples=30, deadline=2000)
@given(data=st.data())
def test_sorts_and_limits_match_a_brute_force_oracle(shop, data):
    draw = data.draw
    params, keep = draw_filters(draw, shop.orders)
    expected = [o for o in shop.orders if all(k(o) for k in keep)]
    descending = draw(st.booleans())
    direction = "DESC" if descending else "ASC"
    expected.sort(key=lambda o: o[0])
    if draw(st.booleans()):
        params["sort"] = f"[date_upd_{direction},id_ASC]"
        expected.sort(key=lambda o: o[1], reverse=descending)  # stable: ties stay by id
    else:
        params["sort"] = f"[id_{direction}]"
        expected.sort(key=lambda o: o[0], reverse=descending)
    offset, count = draw(st.integers(0, 60)), draw(st.integers(0, 60))
    if draw(st.booleans()):
        params["limit"] = f"{offset},{count}"
        expected = expected[offset : offset + count]
    else:
        params["limit"] = str(count)
        expected = expected[:count]
    assert shop.ids(params) == [o[0] for o in expected], params
