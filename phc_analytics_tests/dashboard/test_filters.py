"""The filters as the URL carries them: read back, bounded by the data, written out."""

from datetime import date

from phc_analytics.dashboard.filters import DEFAULT_DAYS, Filters, from_query_params

FIRST, LAST = date(2023, 1, 4), date(2025, 6, 30)


def test_defaults_are_the_last_days_with_data():
    f = from_query_params({}, FIRST, LAST)
    assert f == Filters(date(2025, 4, 2), LAST)
    assert f.period.days == DEFAULT_DAYS


def test_a_url_round_trips_and_bad_values_fall_back():
    chosen = Filters(
        date(2024, 1, 1), date(2024, 3, 31), ("DE", "FR"), ("bankwire", "cheque"), ("lyon", "paris")
    )
    assert from_query_params(chosen.to_query_params(), FIRST, LAST) == chosen
    # One value instead of a list, a range given backwards, ISO codes upper-cased, junk dropped.
    f = from_query_params(
        {
            "start": "2024-03-31",
            "end": "2024-01-01",
            "country": ["fr", "8", "x", "unknown", "FRANCE", "²", "Fr"],
            "channel": "a",
            "shop": "paris",
        },
        FIRST,
        LAST,
    )
    assert f == Filters(date(2024, 1, 1), date(2024, 3, 31), ("FR", "unknown"), ("a",), ("paris",))
    # Unreadable dates: the defaults; a range beyond the data: clipped to it.
    assert from_query_params({"start": "soon", "end": "2024-13-01"}, FIRST, LAST).end == LAST
    clipped = from_query_params({"start": "2020-01-01", "end": "2030-01-01"}, FIRST, LAST)
    assert (clipped.start, clipped.end) == (FIRST, LAST)
    outside = from_query_params({"start": "2030-01-01", "end": "2030-02-01"}, FIRST, LAST)
    assert outside.end == LAST and outside.period.days == DEFAULT_DAYS


def test_sql_params_pass_empty_lists_for_every_value():
    params = Filters(date(2024, 1, 1), date(2024, 1, 2)).sql_params()
    assert params == {
        "start": date(2024, 1, 1), "end": date(2024, 1, 2), "countries": [], "channels": [],
        "shops": [],
    }  # fmt: skip
