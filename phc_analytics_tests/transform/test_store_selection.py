"""The stores each installation reports, as the shops file chooses them (no database: what the
dbt build is handed; the warehouse side is in test_marts_shops.py)."""

from __future__ import annotations

import pytest

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.transform.store_selection import configured_selection

pytestmark = pytest.mark.unit
KEY = "K" * 32


def test_only_the_shops_that_choose_stores_have_a_selection_sorted_once(tmp_path):
    shops = tmp_path / "shops.yaml"
    shops.write_text(
        "shops:\n"
        "  - {name: paris, url: 'https://p.example', key_env: PARIS_KEY, stores: [3, 1, 3]}\n"
        "  - {name: berlin, url: 'https://berlin.example.com', key_env: BERLIN_KEY, stores: all}\n"
        "  - {name: lyon, url: 'https://lyon.example.com', key_env: LYON_KEY}\n"
    )
    env = {
        settings.ENV_SHOPS_FILE: str(shops),
        "PARIS_KEY": KEY,
        "BERLIN_KEY": KEY,
        "LYON_KEY": KEY,
    }
    assert configured_selection(env) == {"paris": (1, 3)}
    # The single-shop variables have no stores to choose: every store.
    assert configured_selection({settings.ENV_PRESTASHOP_URL: "https://shop.example.com"}) == {}
    # A bad file stops the build in one line, as it stops the sync.
    shops.write_text(
        "shops:\n  - {name: paris, url: 'https://p.example.com', key_env: P, stores: [0]}\n"
    )
    with pytest.raises(PhcError, match="stores must be"):
        configured_selection({settings.ENV_SHOPS_FILE: str(shops), "P": KEY})
