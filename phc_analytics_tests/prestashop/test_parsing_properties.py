"""Properties of the wire-format helpers: dates, range filters, list and error bodies."""

from __future__ import annotations

import contextlib
from datetime import datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from phc_analytics.demo_shop.query import Condition, parse_filter_value
from phc_analytics.prestashop.parsing import (
    SHOP_DATETIME,
    MalformedBody,
    format_shop_datetime,
    parse_errors,
    parse_list,
    parse_shop_datetime,
    range_filter,
)

shop_datetimes = st.datetimes(min_value=datetime(1000, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)
# Text shaped like a shop date (any digits, including non-ASCII ones the fast path must leave
# to strptime), and anything else.
DIGITS = "0123456789\u0663\uff15"
shop_shaped = st.tuples(
    *(st.text(alphabet=DIGITS, min_size=n, max_size=n) for n in (4, 2, 2, 2, 2, 2))
).map(lambda p: "{}-{}-{} {}:{}:{}".format(*p))
dates_or_garbage = shop_shaped | st.text(max_size=25) | st.none() | st.integers()


def strptime_or_none(value: object) -> datetime | None:
    """The slow, obvious definition parse_shop_datetime's fast path must agree with."""
    if not isinstance(value, str) or value.startswith("0000-00-00"):
        return None
    try:
        return datetime.strptime(value, SHOP_DATETIME)
    except ValueError:
        return None


@given(shop_datetimes)
def test_a_formatted_date_parses_back_to_itself(value):
    assert parse_shop_datetime(format_shop_datetime(value)) == value


@given(dates_or_garbage)
def test_parsing_agrees_with_strptime_on_any_value(value):
    assert parse_shop_datetime(value) == strptime_or_none(value)


range_ends = shop_datetimes | st.integers(0, 4_294_967_295) | st.text(max_size=20)


@given(low=range_ends, high=range_ends)
def test_a_range_filter_is_refused_or_read_by_the_shop_as_that_range(low, high):
    """A value the shop would not read as a range silently becomes an exact match that returns
    nothing; range_filter must refuse it instead."""
    try:
        text = range_filter(low, high)
    except ValueError:
        assert not isinstance(low, datetime | int) or not isinstance(high, datetime | int)
        return
    condition = parse_filter_value(text)
    assert isinstance(condition, Condition) and condition.op == "between"
    as_text = [format_shop_datetime(v) if isinstance(v, datetime) else str(v) for v in (low, high)]
    assert sorted(condition.values) == sorted(as_text)


records = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "date_upd", "name", "total_paid"]),
        st.integers(-(2**31), 2**31) | st.text(max_size=10) | st.none(),
    ),
    max_size=5,
)


@given(records)
def test_a_list_body_parses_to_its_records_and_any_truncation_is_malformed(items):
    body = orjson.dumps({"orders": items})
    assert parse_list(body, "orders") == items
    for cut in range(len(body)):
        try:
            parse_list(body[:cut], "orders")
        except MalformedBody:
            continue
        raise AssertionError(f"truncated body accepted: {body[:cut]!r}")


@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_body_is_a_list_a_malformed_body_or_an_error_list(body):
    """Whatever a proxy or a broken shop sends, the client gets a list to keep or an error it
    retries (MalformedBody), never another exception."""
    with contextlib.suppress(MalformedBody):
        assert isinstance(parse_list(body, "orders"), list)
    errors = parse_errors(body)
    assert all(isinstance(code, int) and isinstance(message, str) for code, message in errors)
