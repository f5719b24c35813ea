"""A client written only from the public docs reads the shop, in JSON and in XML."""

from __future__ import annotations

import requests

from phc_analytics_tests.demo_shop.conftest import http_get, parse_xml

XLINK = "{http://www.w3.org/1999/xlink}href"


def test_generic_json_client(server):
    base = server.url.rstrip("/") + "/api/"
    s = requests.Session()
    s.auth = (server.ws_key, "")
    s.headers["Output-Format"] = "JSON"
    for resource in ("orders", "customers", "products", "order_histories", "order_states"):
        records, offset = [], 0
        while True:
            body = s.get(
                base + resource, params={"display": "full", "limit": f"{offset},250"}
            ).json()
            page = body.get(resource, []) if isinstance(body, dict) else []
            records += page
            if len(page) < 250:
                break
            offset += 250
        ids = [r["id"] for r in records]
        assert ids and len(ids) == len(set(ids))
        one = s.get(f"{base}{resource}/{ids[0]}").json()
        assert len(one) == 1 and next(iter(one.values()))["id"] == ids[0]


def test_generic_xml_client(server):
    base = server.url + "/api/"
    auth = (server.ws_key, "")
    root = parse_xml(http_get(base, auth=auth).content)
    resources = [child.tag for child in root.find("api")]
    assert "orders" in resources
    listing = parse_xml(http_get(base + "orders", params={"limit": "3"}, auth=auth).content)
    links = [o.get(XLINK) for o in listing.find("orders")]
    assert len(links) == 3
    order = parse_xml(http_get(links[0], auth=auth).content).find("order")
    assert order.find("id").text == "1"
    assert (
        order.find("id_customer")
        .get(XLINK)
        .endswith("/api/customers/" + order.find("id_customer").text)
    )
    rows = order.find("associations/order_rows")
    assert rows.get("nodeType") == "order_row"
    assert rows.find("order_row/product_id").text.isdigit()
    state = parse_xml(http_get(base + "order_states/5", auth=auth).content)
    names = {lang.get("id"): lang.text for lang in state.find("order_state/name")}
    assert names == {"1": "Delivered", "2": "Livré"}
    empty = parse_xml(http_get(base + "orders", params={"filter[id]": "[0]"}, auth=auth).content)
    assert list(empty.find("orders")) == []
