"""The Dagster resource for the PrestaShop Webservice of a real shop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from phc_analytics import settings, shops_file
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.client import PrestaShopClient

PROBE_TIMEOUT_S = 5.0


class PrestaShopResource(dg.ConfigurableResource):
    """Connection settings for the shop.

    The composition root (``phc_analytics.resources``) gives ``base_url`` and ``ws_key`` as
    ``EnvVar("PRESTASHOP_URL")`` / ``EnvVar("PRESTASHOP_WS_KEY")``, so the UI shows the
    variable, never the key. Which shop that is (a real one, or a stand-in such as the
    built-in demo shop, which subclasses this resource) is not this module's business.
    """

    base_url: str | None = None
    ws_key: str | None = None
    # The installation's name in the warehouse: every raw row and watermark carries it (the
    # shops file's `name`; "default" for the single-shop variables).
    shop: str = shops_file.DEFAULT_SHOP
    page_size: int = 500
    # Windows in flight at once: the one knob that keeps the client polite to the shop.
    max_concurrency: int = 4
    max_attempts: int = 6
    timeout_s: float = 60.0
    backoff_s: float = 0.5

    def make_client(self, base_url: str, ws_key: str, probe: bool = False) -> PrestaShopClient:
        """``probe``: one attempt and a short timeout, for the change sensor's one-record
        requests (a tick has a minute in all; a shop that hangs must not take it whole)."""
        return PrestaShopClient(
            base_url,
            ws_key,
            page_size=self.page_size,
            timeout_s=min(self.timeout_s, PROBE_TIMEOUT_S) if probe else self.timeout_s,
            max_attempts=1 if probe else self.max_attempts,
            backoff_s=self.backoff_s,
            pool_size=max(4, self.max_concurrency * 2),
        )

    @contextmanager
    def client(self, probe: bool = False) -> Iterator[PrestaShopClient]:
        # Dagster resolves EnvVar fields when it runs the resource; CLI commands that use the
        # resource directly (reconcile) resolve them here.
        base_url, ws_key = (
            v.get_value() if isinstance(v, dg.EnvVar) else v for v in (self.base_url, self.ws_key)
        )
        if not base_url:
            raise PhcError(f"{settings.ENV_PRESTASHOP_URL} is empty; set it to the shop's URL")
        if not ws_key:
            raise PhcError(
                f"{settings.ENV_PRESTASHOP_WS_KEY} is empty; set it to the shop's 32-character key"
            )
        client = self.make_client(base_url, ws_key, probe)
        try:
            yield client
        finally:
            client.close()
