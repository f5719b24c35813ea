"""The resources the code location runs with, chosen from the environment.

This is where the built-in demo shop is picked: the real PrestaShop adapter
(``phc_analytics.prestashop``) does not know it exists. Values that may carry a secret are
given as ``dg.EnvVar``, so the UI shows the variable's name, never its value.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import dagster as dg

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.resource import PrestaShopResource
from phc_analytics.warehouse.resource import WarehouseResource

if TYPE_CHECKING:
    from phc_analytics.transform.resources import PhcDbtCliResource


def _env_var_if_set(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def warehouse_url() -> dg.EnvVar | None:
    """``PHC_DATABASE_URL`` when set; None means the embedded server."""
    return _env_var_if_set(settings.ENV_DATABASE_URL)


def prestashop_resource() -> PrestaShopResource:
    """The shop in ``PRESTASHOP_URL`` / ``PRESTASHOP_WS_KEY``, or the built-in demo shop when
    neither is set; or the one shop of the shops file (``PHC_SHOPS_FILE``), whose key is read
    from the variable it names. With several shops in the file, the code location and the CLI
    take every shop (``shop_resources``); asking for "the" shop is then a mistake."""
    if os.environ.get(settings.ENV_SHOPS_FILE):
        from phc_analytics.shops_file import load_shops

        shops = load_shops()
        if len(shops.shops) > 1:
            raise PhcError(
                f"{settings.ENV_SHOPS_FILE} lists {len(shops.shops)} shops where one is expected;"
                " name the shop (e.g. `phc-analytics reconcile --shop NAME`), or keep one shop"
                " in the file"
            )
        shop = shops.shops[0]
        return PrestaShopResource(base_url=shop.url, ws_key=dg.EnvVar(shop.key_env), shop=shop.name)
    url_set = bool(os.environ.get(settings.ENV_PRESTASHOP_URL))
    key_set = bool(os.environ.get(settings.ENV_PRESTASHOP_WS_KEY))
    if url_set != key_set:
        missing = settings.ENV_PRESTASHOP_WS_KEY if url_set else settings.ENV_PRESTASHOP_URL
        raise PhcError(
            f"{missing} is not set: set both {settings.ENV_PRESTASHOP_URL} and"
            f" {settings.ENV_PRESTASHOP_WS_KEY} to read a real shop, or neither to read the"
            " built-in demo shop"
        )
    if url_set:
        return PrestaShopResource(
            base_url=dg.EnvVar(settings.ENV_PRESTASHOP_URL),
            ws_key=dg.EnvVar(settings.ENV_PRESTASHOP_WS_KEY),
        )
    # Imported here: with a real shop, the demo shop (and its Faker) is never loaded.
    from phc_analytics.demo_shop.resource import DemoShopResource

    return DemoShopResource()


def shop_resources() -> dict[str, PrestaShopResource]:
    """Every configured shop by name: each shop of the shops file, or the one shop of the
    single-shop variables (``default``). What reads shops one at a time outside Dagster
    (``phc-analytics reconcile``) iterates over these."""
    if os.environ.get(settings.ENV_SHOPS_FILE):
        from phc_analytics.shops_file import load_shops

        return {
            shop.name: PrestaShopResource(
                base_url=shop.url, ws_key=dg.EnvVar(shop.key_env), shop=shop.name
            )
            for shop in load_shops().shops
        }
    resource = prestashop_resource()
    return {resource.shop: resource}


def warehouse_resource() -> WarehouseResource:
    return WarehouseResource(database_url=warehouse_url())


def dbt_cli_resource() -> PhcDbtCliResource:
    # Imported here: the dbt project and dagster-dbt are not needed by `phc-analytics reconcile`.
    from phc_analytics.transform.resources import dbt_resource

    return dbt_resource(warehouse_url())
