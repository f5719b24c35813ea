"""The filter/display/sort/limit grammar as pure functions, without a server."""

from __future__ import annotations

import pytest

from phc_analytics.demo_shop.model import ORDER_HISTORIES, ORDERS
from phc_analytics.demo_shop.query import (
    FULL,
    MINIMUM,
    Condition,
    WsError,
    build_list_query,
    closest,
    parse_display,
    parse_filter_value,
    parse_language,
    parse_limit,
    parse_query_string,
    php_int,
)

LANGS = ["1", "2"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", Condition("eq", ("5",))),
        ("[5]", Condition("eq", ("5",))),
        ("[1|2|3]", Condition("in", ("1", "2", "3"))),
        ("[|2]", Condition("eq", ("|2",))),
        ("[10,2]", Condition("between", ("2", "10"))),
        (
            "[2024-02-01 00:00:00,2024-01-01 00:00:00]",
            Condition("between", ("2024-01-01 00:00:00", "2024-02-01 00:00:00")),
        ),
        (
            "[2024-01-01T00:00:00,2024-02-01T00:00:00]",
            Condition("eq", ("2024-01-01T00:00:00,2024-02-01T00:00:00",)),
        ),
        ("[abc]%", Condition("like", ("abc%",))),
        ("%[abc]", Condition("like", ("%abc",))),
        ("%[abc]%", Condition("like", ("%abc%",))),
        (">[10]", Condition("gt", ("10",))),
        ("<[10]", Condition("lt", ("10",))),
        ("![1|2]", Condition("not_in", ("1", "2"))),
        ("x[1]", None),
    ],
)
def test_parse_filter_value(value, expected):
    assert parse_filter_value(value) == expected


def test_php_query_string_nests_brackets():
    params = parse_query_string("filter%5Bid%5D=%5B1%2C5%5D&display=full&filter[a][b]=c&date=1")
    assert params == {"filter": {"id": "[1,5]", "a": {"b": "c"}}, "display": "full", "date": "1"}


def test_php_int_and_limit():
    assert php_int("abc") == 0
    assert php_int(" 12x") == 12
    assert parse_limit("10") == (0, 10)
    assert parse_limit("20,5") == (20, 5)
    assert parse_limit("abc") == (0, 0)
    with pytest.raises(WsError) as e:
        parse_limit("1,2,3")
    assert e.value.errors[0][0] == 39


def test_display_variants():
    names = list(ORDERS.field_names)
    assert parse_display(None, ORDERS, names) == MINIMUM
    assert parse_display("full", ORDERS, names) == FULL
    assert parse_display(
        "[id,total_paid,order_rows[product_id,product_quantity]]", ORDERS, names
    ) == {
        "id": None,
        "total_paid": None,
        "order_rows": ["product_id", "product_quantity"],
    }
    for bad, code in (("[nope]", 35), ("[order_rows[nope]]", 35), ("abc", 36)):
        with pytest.raises(WsError) as e:
            parse_display(bad, ORDERS, names)
        assert e.value.errors[0][0] == code


def test_date_fields_need_date_flag():
    with pytest.raises(WsError) as e:
        build_list_query({"filter": {"date_upd": "[2024-01-01,2024-02-01]"}}, ORDERS, LANGS)
    assert e.value.errors[0][0] == 32
    with pytest.raises(WsError) as e:
        build_list_query({"sort": "[date_upd_ASC]"}, ORDERS, LANGS)
    assert e.value.errors[0][0] == 38
    q = build_list_query(
        {"filter": {"date_upd": "[2024-01-01,2024-02-01]"}, "date": "1"}, ORDERS, LANGS
    )
    assert q.where and not q.always_empty
    # order_histories has no date_upd column: the query is accepted and returns nothing.
    q = build_list_query(
        {"filter": {"date_upd": "[2024-01-01,2024-02-01]"}, "date": "1"}, ORDER_HISTORIES, LANGS
    )
    assert q.always_empty


def test_filter_errors_in_prestashop_order():
    # A bad filter is reported before a bad display, sort or limit.
    params = {"filter": {"nope": "1"}, "display": "bad", "sort": "bad", "limit": "1,2,3"}
    with pytest.raises(WsError) as e:
        build_list_query(params, ORDERS, LANGS)
    code, message = e.value.errors[0]
    assert code == 32
    assert message.startswith('This filter does not exist. Did you mean: "note"?')
    for params, code in (
        ({"filter": {"id": ""}}, 33),
        ({"filter": {"shipping_number": "1"}}, 34),
        ({"sort": "[id]"}, 37),
        ({"sort": "[id_UP]"}, 37),
        ({"sort": "[nope_ASC]"}, 38),
    ):
        with pytest.raises(WsError) as e:
            build_list_query(params, ORDERS, LANGS)
        assert e.value.errors[0][0] == code


def test_sort_splits_at_last_underscore():
    q = build_list_query({"sort": "[date_upd_DESC,id_asc]", "date": "1"}, ORDERS, LANGS)
    assert q.order_by == ["date_upd DESC", "id ASC"]


def test_language_parameter():
    assert parse_language("1", ("1", "2")) == ["1"]
    assert parse_language("[1|2]", ("1", "2")) == ["1", "2"]
    assert parse_language("[1,2]", ("1", "2")) == ["1", "2"]
    for bad, code in (("x", 79), ("[1,2,3]", 78), ("[1|x]", 80), ("9", 81)):
        with pytest.raises(WsError) as e:
            parse_language(bad, ("1", "2"))
        assert e.value.errors[0][0] == code


def test_closest_prefers_later_ties_like_php():
    assert closest("totl_paid", ["total_paid", "total_paid_real"]) == "total_paid"
    assert closest("ab", ["ax", "ay"]) == "ay"
