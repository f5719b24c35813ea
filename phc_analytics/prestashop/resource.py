"""The Dagster resource for the PrestaShop Webservice (a real shop, or the built-in one)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import dagster as dg
from pydantic import PrivateAttr

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.prestashop.client import PrestaShopClient


class PrestaShopResource(dg.ConfigurableResource):
    """Connection settings for the shop.

    ``base_url`` and ``ws_key`` come from ``PRESTASHOP_URL`` / ``PRESTASHOP_WS_KEY`` through
    ``EnvVar`` (see ``from_environment``), so the UI shows the variable, never the key. With
    neither set, the built-in demo shop is served on a free port of 127.0.0.1, in a process of
    its own: once per run inside Dagster (from the first use to the end of the run), once per
    use elsewhere.
    """

    base_url: str | None = None
    ws_key: str | None = None
    page_size: int = 500
    # Windows in flight at once: the one knob that keeps the client polite to the shop.
    max_concurrency: int = 4
    max_attempts: int = 6
    timeout_s: float = 60.0
    backoff_s: float = 0.5
    demo_shop_path: str | None = None
    demo_shop_orders: int = 20_000
    demo_shop_seed: int = 42

    # A run's steps share one demo shop server: starting one costs a second or more (a Python
    # process and its imports), against a few tenths for an incremental sync of one resource.
    _run_scope: ExitStack | None = PrivateAttr(default=None)
    _demo_endpoint: tuple[str, str] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_scope = ExitStack()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_scope is not None:
            self._run_scope.close()
        self._run_scope, self._demo_endpoint = None, None

    @classmethod
    def from_environment(cls, **overrides) -> PrestaShopResource:
        url_set = bool(os.environ.get(settings.ENV_PRESTASHOP_URL))
        key_set = bool(os.environ.get(settings.ENV_PRESTASHOP_WS_KEY))
        if url_set != key_set:
            missing = settings.ENV_PRESTASHOP_WS_KEY if url_set else settings.ENV_PRESTASHOP_URL
            raise PhcError(
                f"{missing} is not set: set both PRESTASHOP_URL and PRESTASHOP_WS_KEY to read a"
                " real shop, or neither to read the built-in demo shop"
            )
        if url_set:
            return cls(
                base_url=dg.EnvVar(settings.ENV_PRESTASHOP_URL),
                ws_key=dg.EnvVar(settings.ENV_PRESTASHOP_WS_KEY),
                **overrides,
            )
        return cls(**overrides)

    @property
    def is_demo(self) -> bool:
        return not self.base_url

    def _client(self, base_url: str, ws_key: str) -> PrestaShopClient:
        return PrestaShopClient(
            base_url,
            ws_key,
            page_size=self.page_size,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            backoff_s=self.backoff_s,
            pool_size=max(4, self.max_concurrency * 2),
        )

    @contextmanager
    def client(self) -> Iterator[PrestaShopClient]:
        if not self.is_demo:
            # Dagster resolves EnvVar fields when it runs the resource; CLI commands that use
            # the resource directly (reconcile) resolve them here.
            base_url, ws_key = (
                v.get_value() if isinstance(v, dg.EnvVar) else v
                for v in (self.base_url, self.ws_key)
            )
            if not ws_key:
                raise PhcError("PRESTASHOP_WS_KEY is empty; set it to the shop's 32-character key")
            client = self._client(base_url, ws_key)
            try:
                yield client
            finally:
                client.close()
            return
        with ExitStack() as use_scope:
            if self._run_scope is None:
                url, ws_key = use_scope.enter_context(self._serve_demo_shop())
            else:
                if self._demo_endpoint is None:
                    self._demo_endpoint = self._run_scope.enter_context(self._serve_demo_shop())
                url, ws_key = self._demo_endpoint
            client = self._client(url, ws_key)
            try:
                yield client
            finally:
                client.close()

    @contextmanager
    def _serve_demo_shop(self) -> Iterator[tuple[str, str]]:
        from phc_analytics.demo_shop import ensure_shop
        from phc_analytics.demo_shop.process import serve_in_subprocess

        path = self.demo_shop_path or str(settings.default_shop_path())
        ensure_shop(path, orders=self.demo_shop_orders, seed=self.demo_shop_seed)
        with serve_in_subprocess(path) as endpoint:
            yield endpoint
