"""The built-in PrestaShop: a synthetic shop and a Webservice-compatible HTTP server.

Public API:
    generate_shop(path, orders=2000, seed=42, end=None) -> ShopInfo
    ensure_shop(path, orders=2000, seed=42) -> Path
    advance_shop(path, hours, seed=None) -> AdvanceResult
    DemoShopServer(shop_path, host="127.0.0.1", port=0, faults=FaultConfig(...))
"""

from __future__ import annotations

from pathlib import Path

from phc_analytics.demo_shop.advance import AdvanceResult, advance_shop
from phc_analytics.demo_shop.faults import FaultConfig
from phc_analytics.demo_shop.generator import ShopInfo, generate_shop, ws_key_for
from phc_analytics.demo_shop.server import DemoShopServer


def ensure_shop(path: str | Path, orders: int = 2000, seed: int = 42) -> Path:
    """The shop at ``path``, generated first if the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        generate_shop(path, orders=orders, seed=seed)
    return path


__all__ = [
    "AdvanceResult",
    "DemoShopServer",
    "FaultConfig",
    "ShopInfo",
    "advance_shop",
    "ensure_shop",
    "generate_shop",
    "ws_key_for",
]
