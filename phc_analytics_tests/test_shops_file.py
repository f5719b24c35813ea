"""The shops file: each shop's settings, and one-line errors that never show a key."""

from __future__ import annotations

import pytest

from phc_analytics.errors import PhcError
from phc_analytics.shops_file import (
    ShopConfig,
    load_shops,
    parse_shops,
    read_shops_file,
    shown_url,
)

KEY_A = "A" * 32
KEY_B = "B1" * 16
ENV = {"PARIS_WS_KEY": KEY_A, "LONDON_WS_KEY": KEY_B}
GOOD = """\
shops:
  - name: paris
    url: https://paris.example.com/
    key_env: PARIS_WS_KEY
  - name: london
    url: http://127.0.0.1:8082
    key_env: LONDON_WS_KEY
    stores: [3, 1]
    timezone: Europe/London
    currency: GBP
max_parallel_shops: 2
"""


def write(tmp_path, text: str):
    path = tmp_path / "shops.yaml"
    path.write_text(text)
    return path


def test_a_good_file_lists_each_shop(tmp_path):
    shops = read_shops_file(write(tmp_path, GOOD), ENV)
    assert shops.shops == (
        ShopConfig("paris", "https://paris.example.com", "PARIS_WS_KEY"),
        ShopConfig(
            "london", "http://127.0.0.1:8082", "LONDON_WS_KEY", (1, 3), "Europe/London", "GBP"
        ),
    )
    assert shops.max_parallel == 2
    assert shops.by_name("london").currency == "GBP"
    with pytest.raises(PhcError, match="No shop named 'rome'.*paris, london"):
        shops.by_name("rome")


def test_without_a_file_the_single_shop_variables_keep_working(tmp_path):
    real = load_shops({"PRESTASHOP_URL": "https://shop.example", "PRESTASHOP_WS_KEY": KEY_A})
    assert real.shops == (ShopConfig("default", "https://shop.example", "PRESTASHOP_WS_KEY"),)
    assert load_shops({}).shops == (ShopConfig("default", None, None),)
    via_env = load_shops({"PHC_SHOPS_FILE": str(write(tmp_path, GOOD)), **ENV})
    assert [s.name for s in via_env.shops] == ["paris", "london"]


def one_shop(**fields) -> dict:
    shop = {"name": "paris", "url": "https://paris.example.com", "key_env": "PARIS_WS_KEY"}
    shop.update(fields)
    return {"shops": [{k: v for k, v in shop.items() if v is not None}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shops": []}, "needs a `shops:` list"),
        (
            {"shops": [{}], "retries": 3},
            "unknown key 'retries'; the keys are shops, max_parallel_shops",
        ),
        (one_shop(colour="red"), "shop 'paris': unknown key 'colour'"),
        (one_shop(name="Paris Shop"), "name must be lower-case"),
        (one_shop(url="paris.example.com"), "url must be the shop's http"),
        (one_shop(url="https://user:pw@paris.example.com"), "no credentials, no ?query"),
        (one_shop(url=f"https://paris.example.com/?ws_key={KEY_A}"), "no credentials, no ?query"),
        (one_shop(key_env=None), "key_env must name the environment variable"),
        (one_shop(key_env="ROME_WS_KEY"), "ROME_WS_KEY is not set; export it"),
        (one_shop(stores="some"), "stores must be `all` or a list"),
        (one_shop(stores=[0]), "stores must be `all` or a list"),
        (one_shop(timezone="Paris"), "'Paris' is not a time zone name"),
        (one_shop(currency="euro"), "ISO 4217"),
        ({**one_shop(), "max_parallel_shops": 0}, "max_parallel_shops must be"),
        ({"shops": ["paris"]}, "is not a mapping"),
    ],
)
def test_a_bad_file_is_one_line_that_says_what_to_change(data, message):
    with pytest.raises(PhcError) as e:
        parse_shops(data, "shops.yaml", ENV)
    assert message in str(e.value)
    assert "\n" not in str(e.value) and KEY_A not in str(e.value)


def test_duplicate_names_and_urls_are_refused():
    twice = {"shops": one_shop()["shops"] * 2}
    with pytest.raises(PhcError, match="two shops are named 'paris'"):
        parse_shops(twice, "shops.yaml", ENV)
    same_url = {"shops": [*one_shop()["shops"], {**one_shop()["shops"][0], "name": "lyon"}]}
    with pytest.raises(PhcError, match="'paris' and 'lyon' have the same url"):
        parse_shops(same_url, "shops.yaml", ENV)


def test_a_key_written_in_the_file_is_refused_without_being_shown():
    with pytest.raises(PhcError) as e:
        parse_shops(one_shop(ws_key=KEY_A), "shops.yaml", ENV)
    assert "put the key in an environment variable" in str(e.value)
    assert KEY_A not in str(e.value)


def test_a_malformed_key_is_named_not_shown():
    with pytest.raises(PhcError) as e:
        parse_shops(one_shop(), "shops.yaml", {"PARIS_WS_KEY": "short-secret-value"})
    assert "PARIS_WS_KEY is not a 32-character" in str(e.value)
    assert "short-secret-value" not in str(e.value)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(PhcError, match="does not exist: create it"):
        read_shops_file(tmp_path / "none.yaml", ENV)
    with pytest.raises(PhcError, match="not valid YAML at line 3: fix its syntax"):
        read_shops_file(write(tmp_path, "shops:\n  - name: [paris\n"), ENV)


def test_a_printed_url_keeps_no_key_or_credentials():
    assert shown_url(f"https://u:pw@shop.example:8443/base?ws_key={KEY_A}#x") == (
        "https://shop.example:8443/base"
    )
    assert shown_url(None) == "the built-in demo shop"
