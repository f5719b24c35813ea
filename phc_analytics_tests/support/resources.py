"""The code location's resources for a test: its own database and its own demo shop.

Tests hand the URL to the resources directly (as ``definitions`` hands them an ``EnvVar``),
so none of them edits ``PHC_DATABASE_URL`` to point the pipeline somewhere.
"""

from __future__ import annotations

from pathlib import Path

from phc_analytics.demo_shop.resource import DemoShopResource
from phc_analytics.ingestion.progress import SyncProgress
from phc_analytics.warehouse.resource import WarehouseResource


def raw_resources(database_url: str, shop_path: Path, **shop_options) -> dict:
    """What the raw assets, their checks and the sensor need."""
    return {
        "warehouse": WarehouseResource(database_url=database_url),
        "prestashop": DemoShopResource(shop_path=str(shop_path), **shop_options),
        "sync_progress": SyncProgress(),
    }


def pipeline_resources(database_url: str, shop_path: Path) -> dict:
    """What the whole graph needs (the raw layer, dbt, the quality report)."""
    from phc_analytics.transform.resources import dbt_resource

    return {**raw_resources(database_url, shop_path), "dbt": dbt_resource(database_url)}
