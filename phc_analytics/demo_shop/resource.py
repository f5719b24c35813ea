"""The built-in shop as a ``PrestaShopResource``: it serves itself, then hands out clients.

The server runs in a process of its own on a free port of 127.0.0.1: once per run inside
Dagster (from the first use to the end of the run), once per use elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import dagster as dg
from pydantic import PrivateAttr

from phc_analytics import settings
from phc_analytics.demo_shop import ensure_shop
from phc_analytics.demo_shop.process import serve_in_subprocess
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.resource import PrestaShopResource


class DemoShopResource(PrestaShopResource):
    """The demo shop at ``shop_path`` (default ``.phc/demo_shop.sqlite``, generated if absent)."""

    shop_path: str | None = None
    orders: int = 20_000
    seed: int = 42

    # A run's steps share one server: starting one costs a second or more (a Python process
    # and its imports), against a few tenths for an incremental sync of one resource.
    _run_scope: ExitStack | None = PrivateAttr(default=None)
    _endpoint: tuple[str, str] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_scope = ExitStack()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_scope is not None:
            self._run_scope.close()
        self._run_scope, self._endpoint = None, None

    @contextmanager
    def client(self, probe: bool = False) -> Iterator[PrestaShopClient]:
        with ExitStack() as use_scope:
            if self._run_scope is None:
                url, ws_key = use_scope.enter_context(self._serve())
            else:
                if self._endpoint is None:
                    self._endpoint = self._run_scope.enter_context(self._serve())
                url, ws_key = self._endpoint
            client = self.make_client(url, ws_key, probe)
            try:
                yield client
            finally:
                client.close()

    @contextmanager
    def _serve(self) -> Iterator[tuple[str, str]]:
        path = self.shop_path or str(settings.default_shop_path())
        ensure_shop(path, orders=self.orders, seed=self.seed)
        with serve_in_subprocess(path) as endpoint:
            yield endpoint
