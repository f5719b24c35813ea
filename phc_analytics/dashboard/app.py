"""The Streamlit script behind `phc-analytics dashboard` (started by dashboard/launcher.py).

Streamlit runs this file top to bottom on every interaction: resolve the filters (the URL's
query parameters, then the sidebar), then draw the chosen page (dashboard/pages.py).
"""

from __future__ import annotations

import psycopg
import streamlit as st

from phc_analytics.dashboard import pages
from phc_analytics.dashboard.data import load, load_fresh
from phc_analytics.dashboard.filters import Filters, from_query_params
from phc_analytics.errors import PhcError


def sidebar_filters(first_day, last_day) -> Filters:
    asked = from_query_params(st.query_params.to_dict() | _lists(), first_day, last_day)
    st.sidebar.header("Filters")
    chosen = st.sidebar.date_input(
        "Dates", value=(asked.start, asked.end), min_value=first_day, max_value=last_day
    )
    # While a range is being picked the widget holds its first day only.
    start, end = (chosen[0], chosen[-1]) if isinstance(chosen, tuple) else (chosen, chosen)
    # With one shop there is nothing to choose, and the sidebar stays as it was.
    shops = load("shops")
    picked_shops = (
        st.sidebar.multiselect(
            "Shop",
            shops,
            default=[s for s in asked.shops if s in shops],
            placeholder="every shop",
        )
        if len(shops) > 1
        else []
    )
    countries = load("countries")
    names = dict(zip(countries["country"], countries["country_name"], strict=True))
    picked_countries = st.sidebar.multiselect(
        "Country", list(names), default=[c for c in asked.countries if c in names],
        format_func=lambda c: names[c], placeholder="every country",
    )  # fmt: skip
    channel_keys = list(load("channels")["channel"])
    picked_channels = st.sidebar.multiselect(
        "Channel", channel_keys, default=[c for c in asked.channels if c in channel_keys],
        placeholder="every channel",
    )  # fmt: skip
    filters = Filters(
        start, end, tuple(sorted(picked_countries)), tuple(sorted(picked_channels)),
        tuple(sorted(picked_shops)),
    )  # fmt: skip
    # The URL follows the sidebar: a view can be bookmarked and shared as it is.
    if filters.to_query_params() != st.query_params.to_dict() | _lists():
        st.query_params.from_dict(filters.to_query_params())
    return filters


def _lists() -> dict[str, list[str]]:
    """Repeated parameters (``?country=FR&country=DE``) as lists, like Filters writes them."""
    return {
        k: st.query_params.get_all(k)
        for k in ("country", "channel", "shop")
        if k in st.query_params
    }


def main() -> None:
    st.set_page_config(page_title="phc_analytics", page_icon=":bar_chart:", layout="wide")
    try:
        problem = load_fresh("read_only_problem")
        if problem:
            st.error(problem)
            st.stop()
        days = load("data_days")
        currency = load("currency") if days else ""
    except (PhcError, psycopg.Error) as exc:
        st.error(one_line(exc))
        st.stop()
    if days is None:
        st.info("The marts are empty: run `make demo` (or `phc-analytics run`) first.")
        st.stop()
    filters = sidebar_filters(*days)
    st.sidebar.caption(f"Data from {days[0]:%d %b %Y} to {days[1]:%d %b %Y}, in {currency}.")

    def page(draw):
        return lambda: draw(filters, currency)

    chosen = st.navigation(
        [
            st.Page(page(draw), title=title, url_path=path, default=(path == "overview"))
            for title, path, draw in pages.PAGES
        ]
    )
    try:
        chosen.run()
    except (PhcError, psycopg.Error) as exc:
        # A server gone, or a mart being replaced by a full refresh: say so, and let the user
        # reload, rather than a traceback.
        st.error(f"{one_line(exc)} (reload the page to try again)")


def one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


main()
