"""Between the pages and the SQL: one connection per query as the BI role, and a short cache,
so that moving between pages with the same filters does not ask PostgreSQL again."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import streamlit as st

from phc_analytics import settings
from phc_analytics.dashboard import queries
from phc_analytics.warehouse.connection import open_connection

# The marts change when a build finishes (minutes apart at most); a minute of staleness buys
# instant page switches.
CACHE_TTL_S = 60


def bi_url() -> str:
    """The BI role's connection, which the launcher (dashboard/launcher.py) puts in the
    environment; set by hand, it points the dashboard at any warehouse."""
    url = os.environ.get(settings.ENV_BI_DATABASE_URL)
    if url:
        return url
    from phc_analytics.dashboard.launcher import bi_database_url

    return bi_database_url()


def _run(function: Callable, *args: Any):
    with open_connection(
        bi_url(), autocommit=True, what="the warehouse (as phc_bi)",
        variable=settings.ENV_BI_DATABASE_URL,
    ) as conn:  # fmt: skip
        return function(conn, *args)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load(name: str, *args: Any):
    """``queries.<name>(conn, *args)``, cached by name and arguments (Filters is frozen)."""
    return _run(getattr(queries, name), *args)


def load_fresh(name: str, *args: Any):
    """Uncached: the data health page must show the state of now."""
    return _run(getattr(queries, name), *args)
