"""The composition root picks the warehouse and the shop from the environment, and the config
Dagster shows holds variable names, never URLs or keys."""

import pytest

from phc_analytics import settings
from phc_analytics.demo_shop.resource import DemoShopResource
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.resources import dbt_cli_resource, prestashop_resource, warehouse_resource

SECRET_URL = "postgresql://etl:hunter2@db.example:5432/phc_warehouse"
WS_KEY = "K" * 32


def shown_config(resource) -> dict:
    """The resource's config as the Dagster UI shows it."""
    return resource.get_resource_definition().config_schema.as_field().default_value


@pytest.fixture
def bare_environment(monkeypatch):
    for name in (
        settings.ENV_DATABASE_URL,
        settings.ENV_PRESTASHOP_URL,
        settings.ENV_PRESTASHOP_WS_KEY,
        settings.ENV_SHOPS_FILE,
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_with_nothing_set_the_demo_shop_and_the_embedded_warehouse(bare_environment):
    assert type(prestashop_resource()) is DemoShopResource
    assert warehouse_resource().database_url is None
    assert dbt_cli_resource().database_url is None


def test_with_the_variables_set_the_real_shop_and_warehouse_by_name(bare_environment):
    bare_environment.setenv(settings.ENV_DATABASE_URL, SECRET_URL)
    bare_environment.setenv(settings.ENV_PRESTASHOP_URL, "https://shop.example")
    bare_environment.setenv(settings.ENV_PRESTASHOP_WS_KEY, WS_KEY)
    shop = prestashop_resource()
    assert type(shop) is PrestaShopResource
    assert shown_config(shop)["base_url"] == {"env": "PRESTASHOP_URL"}
    assert shown_config(shop)["ws_key"] == {"env": "PRESTASHOP_WS_KEY"}
    for resource in (warehouse_resource(), dbt_cli_resource()):
        assert shown_config(resource)["database_url"] == {"env": "PHC_DATABASE_URL"}
        assert "hunter2" not in str(shown_config(resource))
    assert warehouse_resource().url() == SECRET_URL  # resolved when used
    assert WS_KEY not in str(shown_config(shop))


@pytest.mark.parametrize(
    ("set_name", "missing"),
    [
        (settings.ENV_PRESTASHOP_URL, settings.ENV_PRESTASHOP_WS_KEY),
        (settings.ENV_PRESTASHOP_WS_KEY, settings.ENV_PRESTASHOP_URL),
    ],
)
def test_half_a_shop_configuration_is_one_line_naming_what_is_missing(
    bare_environment, set_name, missing
):
    bare_environment.setenv(set_name, "x")
    with pytest.raises(PhcError) as excinfo:
        prestashop_resource()
    message = str(excinfo.value)
    assert message.startswith(f"{missing} is not set: set both") and "\n" not in message


def test_a_shops_file_with_one_shop_is_the_shop_and_several_are_refused(bare_environment, tmp_path):
    shops = tmp_path / "shops.yaml"
    entry = "  - name: {0}\n    url: https://{0}.example\n    key_env: PHC_TEST_{1}_KEY\n"
    shops.write_text("shops:\n" + entry.format("paris", "PARIS"))
    bare_environment.setenv(settings.ENV_SHOPS_FILE, str(shops))
    bare_environment.setenv("PHC_TEST_PARIS_KEY", WS_KEY)
    resource = prestashop_resource()
    assert type(resource) is PrestaShopResource
    assert resource.base_url == "https://paris.example"
    assert shown_config(resource)["ws_key"] == {"env": "PHC_TEST_PARIS_KEY"}
    shops.write_text("shops:\n" + entry.format("paris", "PARIS") + entry.format("lyon", "LYON"))
    bare_environment.setenv("PHC_TEST_LYON_KEY", WS_KEY)
    with pytest.raises(PhcError, match="lists 2 shops where one is expected"):
        prestashop_resource()
