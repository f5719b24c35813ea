"""An HTTP client for the PrestaShop Webservice, made for incremental extraction.

- JSON through the ``Output-Format`` header, the key as the Basic-auth user name (so it never
  appears in a URL, a log line or an error).
- Keyset paging: ``sort=[id_ASC]`` and ``filter[id]=[next,max]``. Unlike offset paging it stays
  correct while the shop changes and costs the same on every page.
- Retries with exponential backoff and jitter (urllib3's ``Retry`` does the arithmetic) for
  connection errors, timeouts, 5xx/429 responses and truncated or invalid JSON. Other 4xx are
  the caller's mistake and fail at once with PrestaShop's own code and message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

from phc_analytics.errors import PhcError
from phc_analytics.prestashop.entities import Entity
from phc_analytics.prestashop.parsing import (
    MAX_ID,
    MalformedBody,
    parse_errors,
    parse_list,
    parse_shop_datetime,
    range_filter,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The lists PrestaShop restricts to the request's shop context (reference/prestashop-multistore.md
# section 2). In a multistore installation they are read with id_shop=all, else the stores
# outside the default store's group are never seen (PrestaShop issue #25335).
SHOP_RESTRICTED = frozenset({"orders", "customers", "stock_availables"})


class PrestaShopError(PhcError):
    """The shop refused a request (4xx) or stayed unavailable after every retry."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Transient(Exception):
    """A failure worth retrying."""


@dataclass
class Page:
    records: list[dict]
    last_id: int | None


def _clean_base_url(base_url: str) -> str:
    """Strip a trailing ``/api`` and any credentials, so messages can quote the URL."""
    parts = urlsplit(base_url.rstrip("/"))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    path = parts.path[: -len("/api")] if parts.path.endswith("/api") else parts.path
    return urlunsplit((parts.scheme, netloc, path, "", ""))


class PrestaShopClient:
    def __init__(
        self,
        base_url: str,
        ws_key: str,
        page_size: int = 500,
        timeout_s: float = 60.0,
        max_attempts: int = 6,
        backoff_s: float = 0.5,
        backoff_max_s: float = 20.0,
        pool_size: int = 8,
    ):
        if not base_url or not urlsplit(base_url).scheme.startswith("http"):
            raise PrestaShopError(
                f"PRESTASHOP_URL must be an http(s) URL such as https://shop.example.com"
                f" (got {_clean_base_url(base_url or '')!r})"
            )
        if not ws_key:
            raise PrestaShopError(
                "PRESTASHOP_WS_KEY is empty; set it to the shop's 32-character key"
            )
        self.base_url = _clean_base_url(base_url)
        self.page_size = page_size
        self.timeout_s = timeout_s
        self._retry = Retry(
            total=max_attempts - 1,
            backoff_factor=backoff_s,
            backoff_max=backoff_max_s,
            backoff_jitter=backoff_s,
            allowed_methods={"GET"},
        )
        self._session = requests.Session()
        self._session.auth = (ws_key, "")
        self._session.headers.update({"Output-Format": "JSON", "User-Agent": "phc-analytics"})
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._lock = threading.Lock()
        self._context_lock = threading.Lock()
        self._context: dict[str, str] | None = None
        self._covered: tuple[frozenset[int], frozenset[int]] | None = None
        self.requests = 0
        self.retries = 0

    def close(self) -> None:
        self._session.close()

    def _count(self, requests_: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.requests += requests_
            self.retries += retries

    def store_context(self) -> dict[str, str]:
        """The parameters that make a shop-restricted list cover every store: ``id_shop=all``
        when the shop has more than one store (active or not: deactivating one must not turn
        the others' lists back to the URL store's), nothing otherwise. Asked once. A key not
        granted ``shops`` reads as one store (the raw_shops asset says what to grant)."""
        with self._context_lock:
            if self._context is None:
                try:
                    shops = self.get("shops", {"display": "[id,id_shop_group,active,deleted]"})
                except PrestaShopError as exc:
                    if exc.status not in (401, 403):
                        raise
                    shops = []
                kept = [s for s in shops if str(s.get("deleted")) != "1"]
                active = [s for s in kept if str(s.get("active")) == "1"]
                if len(kept) > 1:
                    self._context = {"id_shop": "all"}
                    self._covered = (
                        frozenset(int(s["id"]) for s in active),
                        frozenset(int(s.get("id_shop_group") or 0) for s in active),
                    )
                else:
                    self._context = {}
            return self._context

    def covered_stores(self) -> tuple[frozenset[int], frozenset[int]] | None:
        """(stores, their groups) a shop-restricted list covers in a multistore shop: its
        active stores, which ``id_shop=all`` lists; None for a single store (the list is the
        whole shop). A record of another store is not missing from the shop, only unlisted."""
        self.store_context()
        return self._covered

    def get(self, resource: str, params: dict, list_key: str | None = None) -> list[dict]:
        """One list request, retried until it returns parseable records."""
        url = f"{self.base_url}/api/{resource}"
        if resource in SHOP_RESTRICTED:
            params = {**params, **self.store_context()}
        retry = self._retry
        while True:
            self._count(requests_=1)
            try:
                return self._get_once(url, params, list_key or resource)
            except _Transient as exc:
                try:
                    retry = retry.increment(method="GET", url=url, error=exc)
                except MaxRetryError:
                    attempts = len(retry.history) + 1
                    raise PrestaShopError(
                        f"{url} failed {attempts} times in a row (last: {exc});"
                        " check that the shop is up, or retry later"
                    ) from None
                self._count(retries=1)
                retry.sleep()

    def _get_once(self, url: str, params: dict, list_key: str) -> list[dict]:
        try:
            response = self._session.get(
                url, params=params, timeout=self.timeout_s, allow_redirects=False
            )
            body = response.content
        except requests.exceptions.Timeout:
            raise _Transient(f"no answer within {self.timeout_s:.0f} s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Transient(f"connection failed: {type(exc).__name__}") from None
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Transient(f"HTTP {status}")
        if status >= 400:
            raise PrestaShopError(self._refusal(url, status, body), status)
        if 300 <= status < 400:
            location = response.headers.get("Location")
            raise PrestaShopError(self._redirect(url, status, location), status)
        try:
            return parse_list(body, list_key)
        except MalformedBody as exc:
            raise _Transient(str(exc)) from None

    @staticmethod
    def _redirect(url: str, status: int, location: str | None) -> str:
        """PrestaShop redirects, before the Webservice runs, a request for a store that does
        not exist or is inactive (to the front page: following it gives HTML), and a URL that
        is not the shop's main one. Either way the answer is not the list asked for."""
        target = _clean_base_url(location or "") if location else "nowhere"
        return (
            f"{url} redirected (HTTP {status}) to {target}: the shop's main URL may differ"
            " (set PRESTASHOP_URL to it), or a store it was asked for does not exist or is"
            " inactive (PrestaShop 8.0 also redirects id_shop=all: use 8.1 or later)"
        )

    @staticmethod
    def _refusal(url: str, status: int, body: bytes) -> str:
        errors = parse_errors(body)
        detail = "; ".join(f"code {code}: {message}" for code, message in errors)
        hint = ""
        if status == 401:
            hint = " (check PRESTASHOP_WS_KEY and the key's permissions in the back office)"
        elif status == 404:
            hint = " (check PRESTASHOP_URL: the Webservice lives under /api/)"
        return f"{url} refused with HTTP {status}" + (f", {detail}" if detail else "") + hint

    def iter_pages(
        self,
        entity: Entity,
        window: tuple[datetime, datetime] | None = None,
        start_id: int = 1,
        fields: list[str] | None = None,
    ) -> Iterator[Page]:
        """Every record of ``entity`` (within the cursor window, both ends inclusive), page by
        page in id order; all fields, or only ``fields``."""
        next_id = start_id
        display = f"[{','.join(['id', *fields])}]" if fields else "full"
        while True:
            params = {
                "display": display,
                "sort": "[id_ASC]",
                "limit": str(self.page_size),
                "filter[id]": range_filter(next_id, MAX_ID),
            }
            if window is not None and entity.cursor:
                params["date"] = "1"
                params[f"filter[{entity.cursor}]"] = range_filter(*window)
            records = self.get(entity.name, params, entity.list_key)
            last_id = max((int(r["id"]) for r in records if "id" in r), default=None)
            yield Page(records, last_id)
            if len(records) < self.page_size or last_id is None:
                return
            next_id = last_id + 1

    def list_ids(self, entity: Entity, low: int, high: int) -> list[int]:
        """Every id of ``entity`` in ``[low, high]``, in one request.

        The bare list (no ``display``) is PrestaShop's cheap one: it builds no object, only
        ids. ``display=[id]`` would load every object. No ``limit``: a window is read whole, so
        a short answer cannot be mistaken for the end of the list."""
        records = self.get(entity.name, {"filter[id]": range_filter(low, high)}, entity.list_key)
        return [int(r["id"]) for r in records]

    def max_id(self, entity: Entity) -> int | None:
        """The highest id the shop lists for ``entity`` now (None when it lists none)."""
        records = self.get(
            entity.name, {"display": "[id]", "sort": "[id_DESC]", "limit": "1"}, entity.list_key
        )
        return int(records[0]["id"]) if records else None

    def max_cursor(self, entity: Entity) -> datetime | None:
        """The latest cursor value in the shop now: the upper bound of an incremental read."""
        return self._edge_cursor(entity, "DESC")

    def min_cursor(self, entity: Entity) -> datetime | None:
        """The earliest cursor value: where a first sync really starts."""
        return self._edge_cursor(entity, "ASC")

    def _edge_cursor(self, entity: Entity, direction: str) -> datetime | None:
        if not entity.cursor:
            return None
        records = self.get(
            entity.name,
            {
                "display": f"[id,{entity.cursor}]",
                "sort": f"[{entity.cursor}_{direction}]",
                "date": "1",
                "limit": "1",
            },
            entity.list_key,
        )
        return parse_shop_datetime(records[0].get(entity.cursor)) if records else None

    def changed_since(self, entity: Entity, since: datetime) -> bool:
        """Whether any record changed after ``since``: one request of at most one id."""
        if not entity.cursor:
            return False
        records = self.get(
            entity.name,
            {
                "date": "1",
                f"filter[{entity.cursor}]": f">[{since:%Y-%m-%d %H:%M:%S}]",
                "limit": "0,1",
            },
            entity.list_key,
        )
        return bool(records)


def wait_for_shop(client: PrestaShopClient, timeout_s: float = 30.0) -> None:
    """Block until the shop answers a trivial request (used right after starting one)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.get("order_states", {"limit": "1"})
            return
        except PrestaShopError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
