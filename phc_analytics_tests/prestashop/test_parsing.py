from datetime import datetime

import pytest

from phc_analytics.prestashop.parsing import (
    MalformedBody,
    language_value,
    parse_errors,
    parse_list,
    parse_shop_datetime,
    range_filter,
    with_dropped_falsy_fields,
)


def test_empty_list_is_a_bare_array():
    assert parse_list(b"[]", "orders") == []
    assert parse_list(b'{"orders":[{"id":1}]}', "orders") == [{"id": 1}]


@pytest.mark.parametrize(
    "body", [b'{"orders":[{"id":1}', b"<html>502</html>", b'{"order":{"id":1}}', b'"x"', b""]
)
def test_truncated_or_foreign_bodies_are_malformed(body):
    with pytest.raises(MalformedBody):
        parse_list(body, "orders")


def test_error_bodies():
    body = (
        b'{"errors":[{"code":20,"message":"Authentification key is not active"},'
        b'{"code":21,"message":"No permission"}]}'
    )
    assert parse_errors(body) == [(20, "Authentification key is not active"), (21, "No permission")]
    assert parse_errors(b"401 Unauthorized") == []


def test_shop_datetimes_zero_and_garbage_are_none():
    assert parse_shop_datetime("2024-02-29 23:59:59") == datetime(2024, 2, 29, 23, 59, 59)
    for bad in ("0000-00-00 00:00:00", "0000-00-00", "2024-13-01 00:00:00", "", None, 17, "soon"):
        assert parse_shop_datetime(bad) is None


def test_range_filter_refuses_values_the_shop_would_turn_into_an_exact_match():
    assert range_filter(datetime(2024, 1, 1), datetime(2024, 1, 1, 23, 59, 59)) == (
        "[2024-01-01 00:00:00,2024-01-01 23:59:59]"
    )
    assert range_filter(5, 4294967295) == "[5,4294967295]"
    for hostile in ("2024-01-01T00:00:00", "1]|[2", "1%", "x' OR '1"):
        with pytest.raises(ValueError):
            range_filter(hostile, 9)


def test_both_shapes_of_multilingual_fields():
    two = [{"id": "1", "value": "Shirt"}, {"id": "2", "value": "Chemise"}]
    assert language_value(two, 2) == "Chemise"
    assert language_value(two, 1) == "Shirt"
    assert language_value(two) == "Shirt"
    assert language_value("Shirt", 2) == "Shirt"
    assert language_value(two, 3) is None


def test_single_object_falsy_fields_come_back():
    record = {"id": 1, "total_paid": "10.000000"}
    restored = with_dropped_falsy_fields(record, ["id", "valid", "gift_message", "total_paid"])
    assert restored == {"id": 1, "valid": "", "gift_message": "", "total_paid": "10.000000"}


def test_shop_datetimes_fast_path_agrees_with_strptime():
    values = (
        "2024-02-29 23:59:59",
        "2023-02-29 10:00:00",
        "2024-01-01 24:00:00",
        "2024-01-01 10:00+01",
        "2024-01-01T10:00:00",
        "2024-01-01 10:00:00.5",
        "2024-1-01 10:00:00",
        "2024-01-01 1a:00:00",
    )
    for value in values:
        try:
            expected = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            expected = None
        assert parse_shop_datetime(value) == expected, value
