"""Real HTTP against the demo server: the reference's section 12 checklist, one test per quirk,
and one test per Webservice error code the server reproduces."""

from __future__ import annotations

import hashlib

from phc_analytics.demo_shop.model import ORDERS
from phc_analytics_tests.demo_shop.conftest import http_get, parse_xml

REALM_START = 'Basic realm="Welcome to PrestaShop Webservice'


def error_codes(response) -> list[int]:
    return [e["code"] for e in response.json()["errors"]]


# --- section 12 checklist ----------------------------------------------------------------------


def test_q01_empty_list_is_bare_array(get_json):
    for params in (
        {"filter[reference]": "[doesnotexist]"},
        {"limit": "100000,10"},
        {"limit": "0"},
    ):
        r = get_json("orders", **params)
        assert r.status_code == 200
        assert r.text == "[]"


def test_q02_list_without_display_has_int_ids_only(get_json):
    r = get_json("orders", limit="3")
    assert r.json() == {"orders": [{"id": 1}, {"id": 2}, {"id": 3}]}


def test_q03_values_are_strings_except_entity_id(get_json):
    order = get_json("orders", display="full", limit="1").json()["orders"][0]
    assert isinstance(order["id"], int)
    others = {k: v for k, v in order.items() if k not in ("id", "associations")}
    assert all(isinstance(v, str) for v in others.values())
    assert order["valid"] in ("0", "1")
    assert len(order["total_paid"].split(".")[1]) == 6
    assert len(order["carrier_tax_rate"].split(".")[1]) == 3
    assert len(order["conversion_rate"].split(".")[1]) == 6
    row = order["associations"]["order_rows"][0]
    assert isinstance(row["id"], str)


def test_q04_zero_dates_nulls_and_empty_ids(get_json):
    orders = get_json("orders", display="full").json()["orders"]
    assert any(o["invoice_date"] == "0000-00-00 00:00:00" for o in orders)
    customer = get_json("customers", display="full", limit="1").json()["customers"][0]
    assert customer["reset_password_validity"] is None
    config = get_json("configurations", display="full").json()["configurations"]
    assert all(c["id_shop_group"] == "" and c["id_shop"] == "" for c in config)
    assert any(c["value"] is None for c in config)


def test_q05_i18n_fields_are_language_lists(get_json):
    state = get_json("order_states/2").json()["order_state"]
    assert state["name"] == [
        {"id": "1", "value": "Payment accepted"},
        {"id": "2", "value": "Paiement accepté"},
    ]
    single_language = get_json("order_states/2", language="1").json()["order_state"]
    assert single_language["name"] == "Payment accepted"


def test_q06_date_filters_and_sorts_require_date_flag(get_json):
    window = "[2024-01-01 00:00:00,2024-01-31 23:59:59]"
    r = get_json("orders", **{"filter[date_upd]": window})
    assert r.status_code == 400
    assert error_codes(r) == [32]
    r = get_json("orders", sort="[date_upd_ASC]")
    assert r.status_code == 400
    assert error_codes(r) == [38]
    r = get_json("orders", date="1", sort="[date_upd_ASC,id_ASC]", display="[id,date_upd]",
                 **{"filter[date_upd]": window})  # fmt: skip
    assert r.status_code == 200
    dates = [o["date_upd"] for o in r.json()["orders"]]
    assert dates == sorted(dates)
    assert all("2024-01-01 00:00:00" <= d <= "2024-01-31 23:59:59" for d in dates)


def test_q07_range_is_inclusive_sorted_and_iso_t_matches_nothing(get_json):
    r = get_json("orders", **{"filter[id]": "[10,5]"})
    assert [o["id"] for o in r.json()["orders"]] == [5, 6, 7, 8, 9, 10]
    one = get_json("orders/7", display="[id,date_upd]").json()["orders"][0]["date_upd"]
    exact = get_json("orders", date="1", **{"filter[date_upd]": f"[{one},{one}]"}).json()
    assert {"id": 7} in exact["orders"]
    iso = one.replace(" ", "T")
    assert get_json("orders", date="1", **{"filter[date_upd]": f"[{iso},{iso}]"}).text == "[]"


def test_q08_limit_offset_count_no_cap_and_db_order(get_json):
    everything = get_json("orders").json()["orders"]
    assert len(everything) == 1500  # no default limit, no maximum
    assert [o["id"] for o in everything] == sorted(o["id"] for o in everything)
    page = get_json("orders", limit="10,5").json()["orders"]
    assert [o["id"] for o in page] == [11, 12, 13, 14, 15]
    assert get_json("orders", limit="abc").text == "[]"


def test_q09_single_object_shapes_and_falsy_dropping(get_json):
    single = get_json("orders/1").json()
    assert list(single) == ["order"]
    fields = single["order"]
    assert all(v not in ("0", "", None) for v in fields.values())
    assert "gift" not in fields  # "0" is dropped on 8.x
    assert "mobile_theme" not in fields
    assert fields["total_wrapping"] == "0.000000"  # non-empty strings other than "0" stay
    with_display = get_json("orders/1", display="full").json()
    assert list(with_display) == ["orders"]
    assert with_display["orders"][0]["gift"] in ("0", "1")


def test_q10_missing_id_is_404_with_empty_body(get_json):
    r = get_json("orders/99999999")
    assert r.status_code == 404
    assert r.content == b""
    assert r.headers["Content-Type"] == ""
    assert get_json("orders", **{"filter[id]": "[99999999]"}).text == "[]"


def test_q11_error_body_and_unknown_key(api):
    r = http_get(api + "orders", params={"output_format": "JSON"}, auth=("A" * 32, ""))
    assert r.status_code == 401
    assert r.json() == {
        "errors": [
            {"code": 20, "message": "Authentification key is not active"},
            {"code": 21, "message": "No permission for this authentication key"},
        ]
    }
    assert r.headers["WWW-Authenticate"].startswith(REALM_START)
    bare = http_get(api + "orders")
    assert bare.status_code == 401
    assert bare.text == "401 Unauthorized"


def test_q12_output_format_is_case_sensitive_and_headers_win(session, api):
    assert (
        session.get(api + "orders?output_format=json&limit=1").headers["Content-Type"] == "text/xml"
    )
    r = session.get(api + "orders?output_format=XML&limit=1", headers={"Output-Format": "JSON"})
    assert r.headers["Content-Type"] == "application/json"
    r = session.get(api + "orders?limit=1", headers={"Io-Format": "JSON", "Output-Format": "XML"})
    assert r.headers["Content-Type"] == "application/json"
    r = session.get(api + "orders?io_format=JSON&limit=1")
    assert r.headers["Content-Type"] == "application/json"


def test_q13_associations_last_and_absent_when_empty(get_json):
    order = get_json("orders/3", display="full").json()["orders"][0]
    assert list(order)[-1] == "associations"
    details = get_json("order_details", display="full").json()["order_details"]
    untaxed = [d for d in details if "associations" not in d]
    taxed = [d for d in details if "associations" in d]
    assert untaxed and taxed  # exports outside the EU carry no tax association


def test_q14_field_order_follows_the_definition(get_json):
    order = get_json("orders/3", display="full").json()["orders"][0]
    assert list(order) == [*ORDERS.field_names, "associations"]
    row = order["associations"]["order_rows"][0]
    assert list(row) == ["id", *ORDERS.association("order_rows").fields]


def test_q15_response_headers(get_json, api):
    r = get_json("orders", limit="2")
    assert r.headers["X-Powered-By"] == "PrestaShop Webservice"
    assert r.headers["PSWS-Version"] == "8.2.1"
    assert r.headers["Content-Sha1"] == hashlib.sha1(r.content, usedforsecurity=False).hexdigest()
    assert float(r.headers["Execution-Time"]) >= 0
    assert int(r.headers["Access-Time"]) > 0
    unauthenticated = http_get(api + "orders", params={"ws_key": "short"})
    assert unauthenticated.headers["PSWS-Version"] == "0"
    assert "Content-Sha1" not in unauthenticated.headers


def test_q16_date_filters_on_missing_columns_return_empty(get_json):
    window = "[2020-01-01 00:00:00,2030-01-01 00:00:00]"
    assert get_json("order_histories", date="1", **{"filter[date_upd]": window}).text == "[]"
    assert get_json("order_histories", date="1", sort="[date_upd_ASC]").text == "[]"
    assert get_json("order_details", date="1", **{"filter[date_add]": window}).text == "[]"
    histories = get_json("order_histories", date="1", limit="5", **{"filter[date_add]": window})
    assert len(histories.json()["order_histories"]) == 5


def test_q17_state_change_bumps_order_date_upd(get_json):
    orders = get_json("orders", display="[id,current_state,date_add,date_upd]").json()["orders"]
    histories = get_json("order_histories", display="full").json()["order_histories"]
    last: dict[str, dict] = {}
    for h in histories:
        prev = last.get(h["id_order"])
        if prev is None or (h["date_add"], h["id"]) > (prev["date_add"], prev["id"]):
            last[h["id_order"]] = h
    for o in orders:
        h = last[str(o["id"])]
        assert o["date_upd"] == h["date_add"]
        assert o["current_state"] == h["id_order_state"]


def test_q18_json_root_is_500_xml_root_lists_resources(session, api):
    assert session.get(api + "?output_format=JSON").status_code == 500
    r = session.get(api)
    assert r.status_code == 200
    root = parse_xml(r.content)
    names = {child.tag for child in root.find("api")}
    assert {"orders", "order_details", "order_histories", "customers", "products"} <= names


# --- other behaviours ----------------------------------------------------------------------------


def test_filter_grammar_variants(get_json):
    def ids(**params):
        body = get_json("orders", **params).json()
        return [o["id"] for o in body["orders"]] if body else []

    assert ids(**{"filter[id]": "[1|3|5]"}) == [1, 3, 5]
    assert ids(**{"filter[id]": "3"}) == [3]
    assert ids(**{"filter[id]": "![1|2]", "limit": "2"}) == [3, 4]
    assert ids(**{"filter[id]": ">[1497]"}) == [1498, 1499, 1500]
    assert ids(**{"filter[id]": "<[3]"}) == [1, 2]
    assert ids(**{"filter[id]": "[149]%"}) == [149, *range(1490, 1500)]
    reference = get_json("orders/9", display="[reference]").json()["orders"][0]["reference"]
    assert ids(**{"filter[reference]": f"[{reference[:4]}]%", "filter[id]": "[9]"}) == [9]
    assert ids(**{"filter[reference]": f"%[{reference[-3:].lower()}]", "filter[id]": "[9]"}) == [9]
    assert ids(**{"filter[total_paid]": ">[100]", "filter[total_paid_real]": "[0]", "limit": "1"})


def test_display_fields_with_association_subfields(get_json):
    r = get_json(
        "orders", display="[id,total_paid,order_rows[product_id,product_quantity]]", limit="2"
    )
    first = r.json()["orders"][0]
    assert list(first) == ["id", "total_paid", "associations"]
    assert set(first["associations"]["order_rows"][0]) == {"product_id", "product_quantity"}


def test_keyset_paging_reads_every_order_once(get_json):
    seen, next_id = [], 1
    while True:
        body = get_json("orders", display="[id]", sort="[id_ASC]", limit="400",
                        **{"filter[id]": f"[{next_id},999999999]"}).json()  # fmt: skip
        if not body:
            break
        seen += [o["id"] for o in body["orders"]]
        next_id = seen[-1] + 1
    assert seen == list(range(1, 1501))


def test_conditional_get_304(session, api):
    r = session.get(api + "orders/5?output_format=JSON")
    again = session.get(
        api + "orders/5?output_format=JSON",
        headers={"Local-Content-Sha1": r.headers["Content-Sha1"]},
    )
    assert again.status_code == 304
    assert again.content == b""


def test_head_has_headers_without_body(session, api):
    r = session.head(api + "orders?output_format=JSON&limit=3")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Content-Sha1"]


def test_ws_key_query_parameter_and_xml_errors(server, api):
    r = http_get(api + "orders", params={"ws_key": server.ws_key, "limit": "1"})
    assert r.status_code == 200
    r = http_get(api + "orders", params={"ws_key": server.ws_key, "filter[nope]": "1"})
    assert r.status_code == 400
    error = parse_xml(r.content).find("errors/error")
    assert error.find("code").text == "32"
    assert "This filter does not exist" in error.find("message").text


# --- one test per error code -----------------------------------------------------------------


def test_code_16_unreachable_17_empty_key(api):
    # Code 16 needs a null key, which the dispatcher never passes: no key at all is plain text.
    assert http_get(api + "orders").text == "401 Unauthorized"
    r = http_get(api + "orders", params={"ws_key": "", "output_format": "JSON"})
    assert r.status_code == 401
    assert error_codes(r) == [17]
    assert r.headers["WWW-Authenticate"].startswith(REALM_START)
    r = http_get(api + "orders?output_format=JSON", auth=("", ""))
    assert error_codes(r) == [17]


def test_code_18_bad_key_format(api):
    r = http_get(api + "orders?output_format=JSON", auth=("ABC", ""))
    assert r.status_code == 401
    assert r.json()["errors"] == [{"code": 18, "message": "Invalid authentication key format"}]
    assert r.headers["WWW-Authenticate"].startswith(REALM_START)


def test_code_20_21_unknown_key(api):
    r = http_get(api + "orders?output_format=JSON", params={"ws_key": "B" * 32})
    assert r.status_code == 401
    assert error_codes(r) == [20, 21]


def test_code_26_resource_not_granted(get_json):
    r = get_json("employees")
    assert r.status_code == 401
    assert r.json()["errors"][0] == {
        "code": 26,
        "message": 'Resource of type "employees" is not allowed with this authentication key',
    }
    assert "WWW-Authenticate" not in r.headers


def test_code_27_unknown_resource(get_json):
    r = get_json("orderz")
    assert r.status_code == 400
    assert error_codes(r) == [27]
    assert 'Did you mean: "orders"?' in r.json()["errors"][0]["message"]


def test_code_23_invalid_method(session, api):
    r = session.request("FOO", api + "orders?output_format=JSON")
    assert r.status_code == 405
    assert r.json()["errors"] == [{"code": 23, "message": "Method FOO is not valid"}]


def test_code_25_read_only_key(session, api):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = session.request(method, api + "orders/1?output_format=JSON", data=b"<prestashop/>")
        assert r.status_code == 405
        assert error_codes(r) == [25]
    r = session.get(api + "orders/1?output_format=JSON&ps_method=DELETE")
    assert error_codes(r) == [25]


def test_code_32_unknown_filter(get_json):
    r = get_json("orders", **{"filter[totl_paid]": "1"})
    assert r.status_code == 400
    message = r.json()["errors"][0]["message"]
    assert message.startswith(
        'This filter does not exist. Did you mean: "total_paid"? The full list is: "id"'
    )


def test_code_33_empty_filter(get_json):
    r = get_json("orders", **{"filter[id]": ""})
    assert r.status_code == 400
    assert r.json()["errors"] == [{"code": 33, "message": 'The filter "id" is malformed.'}]


def test_code_34_dynamic_field(get_json):
    r = get_json("orders", **{"filter[shipping_number]": "[1]"})
    assert r.status_code == 400
    assert error_codes(r) == [34]


def test_code_35_unknown_display_field(get_json):
    assert error_codes(get_json("orders", display="[id,nope]")) == [35]
    r = get_json("orders", display="[id,order_rows[nope]]")
    assert r.status_code == 400
    assert error_codes(r) == [35]


def test_code_36_display_syntax(get_json):
    r = get_json("orders", display="id,total_paid")
    assert r.status_code == 400
    assert error_codes(r) == [36]


def test_code_37_sort_syntax(get_json):
    assert error_codes(get_json("orders", sort="[id]")) == [37]
    assert error_codes(get_json("orders", sort="[id_SIDEWAYS]")) == [37]


def test_code_38_sort_field(get_json):
    assert error_codes(get_json("orders", sort="[nope_ASC]")) == [38]


def test_code_39_limit_format(get_json):
    r = get_json("orders", limit="1,2,3")
    assert r.status_code == 400
    assert error_codes(r) == [39]


def test_code_404_unknown_id_other_resources(get_json):
    for path in ("customers/0", "products/999999", "order_states/99", "orders/abc"):
        r = get_json(path)
        assert r.status_code == 404
        assert r.content == b""
