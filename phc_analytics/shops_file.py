"""The shops a warehouse reads: the shops file (``PHC_SHOPS_FILE``), or the one shop of
``PRESTASHOP_URL`` / ``PRESTASHOP_WS_KEY`` (or the demo shop) when no file is set.

The file names, for each shop, the environment variable that holds its key, never the key:
the file can be committed, the keys stay in the environment. Every problem is one line that
says what to change, and no line ever holds a key's value.

```yaml
shops:
  - name: paris                 # short name: lower-case letters, digits, _ (at most 32)
    url: https://paris.example.com
    key_env: PARIS_WS_KEY       # the variable that holds the 32-character Webservice key
    stores: all                 # or a list of store ids (PrestaShop's id_shop): [1, 3]
    timezone: Europe/Paris      # optional: read from the shop's PS_TIMEZONE otherwise
    currency: EUR               # optional: read from the shop's PS_CURRENCY_DEFAULT otherwise
max_parallel_shops: 4           # optional: shops `phc-analytics run` syncs at once
```
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from phc_analytics import settings
from phc_analytics.errors import PhcError

DEFAULT_SHOP = "default"  # the name of the shop of the single-shop variables
DEFAULT_MAX_PARALLEL = 4
SHOP_KEYS = ("name", "url", "key_env", "stores", "timezone", "currency")
FILE_KEYS = ("shops", "max_parallel_shops")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_KEY_LIKE = ("ws_key", "key", "api_key", "password", "secret", "token")


@dataclass(frozen=True)
class ShopConfig:
    name: str
    url: str | None  # None: the built-in demo shop
    key_env: str | None  # the variable holding the key; None: the demo shop's own key
    stores: tuple[int, ...] | None = None  # None: every active store
    timezone: str | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Shops:
    shops: tuple[ShopConfig, ...]
    max_parallel: int = DEFAULT_MAX_PARALLEL
    source: str = "environment"  # the file's path, or "environment"

    def by_name(self, name: str) -> ShopConfig:
        for shop in self.shops:
            if shop.name == name:
                return shop
        known = ", ".join(s.name for s in self.shops)
        raise PhcError(f"No shop named {name!r} in {self.source}; the shops are: {known}")


def load_shops(environ: dict[str, str] | None = None) -> Shops:
    """The configured shops: the file named by ``PHC_SHOPS_FILE`` if set, else one shop."""
    env = os.environ if environ is None else environ
    path = env.get(settings.ENV_SHOPS_FILE)
    if path:
        return read_shops_file(Path(path), env)
    url = env.get(settings.ENV_PRESTASHOP_URL) or None
    key_env = settings.ENV_PRESTASHOP_WS_KEY if url else None
    return Shops((ShopConfig(DEFAULT_SHOP, url, key_env),))


def shown_url(url: str | None) -> str:
    """A shop URL fit to print: scheme, host, port and path only (a URL may carry a key as
    ``?ws_key=`` or credentials)."""
    if not url:
        return "the built-in demo shop"
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def read_shops_file(path: Path, environ: dict[str, str] | None = None) -> Shops:
    env = os.environ if environ is None else environ
    where = f"shops file {path}"
    if not path.is_file():
        raise PhcError(
            f"{settings.ENV_SHOPS_FILE}={path} does not exist: create it (docs/shops.md) or"
            f" unset {settings.ENV_SHOPS_FILE} to read the one shop of"
            f" {settings.ENV_PRESTASHOP_URL}"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise PhcError(f"{where} is not valid YAML{line}: fix its syntax") from None
    return parse_shops(data, str(path), env)


def parse_shops(data: object, source: str, env: dict[str, str]) -> Shops:
    """The shops of a parsed file (pure, but for reading which key variables are set)."""
    where = f"shops file {source}"
    if not isinstance(data, dict) or not isinstance(data.get("shops"), list) or not data["shops"]:
        raise PhcError(f"{where} needs a `shops:` list with at least one shop (docs/shops.md)")
    _no_unknown_keys(data, FILE_KEYS, where)
    max_parallel = data.get("max_parallel_shops", DEFAULT_MAX_PARALLEL)
    if not isinstance(max_parallel, int) or isinstance(max_parallel, bool) or max_parallel < 1:
        raise PhcError(f"{where}: max_parallel_shops must be a whole number of at least 1")
    shops: list[ShopConfig] = []
    for n, entry in enumerate(data["shops"], 1):
        shop = _parse_shop(entry, f"{where}, shop {n}", env)
        for earlier in shops:
            if earlier.name == shop.name:
                raise PhcError(f"{where}: two shops are named {shop.name!r}; names must differ")
            if earlier.url == shop.url:
                raise PhcError(
                    f"{where}: shops {earlier.name!r} and {shop.name!r} have the same url;"
                    " list a shop once (use `stores:` to choose its stores)"
                )
        shops.append(shop)
    return Shops(tuple(shops), max_parallel, source)


def _no_unknown_keys(entry: dict, known: tuple[str, ...], where: str) -> None:
    for key in entry:
        if key in known:
            continue
        if str(key).lower() in _KEY_LIKE:
            raise PhcError(
                f"{where}: {key!r} does not belong in the file: put the key in an environment"
                " variable and name it with `key_env:`"
            )
        raise PhcError(f"{where}: unknown key {key!r}; the keys are {', '.join(known)}")


def _parse_shop(entry: object, where: str, env: dict[str, str]) -> ShopConfig:
    if not isinstance(entry, dict):
        raise PhcError(f"{where} is not a mapping; write `- name: ...` with url and key_env")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise PhcError(
            f"{where}: name must be lower-case letters, digits and _ (at most 32), starting"
            " with a letter, e.g. `paris`"
        )
    where = f"{where.rsplit(', shop ', 1)[0]}, shop {name!r}"
    _no_unknown_keys(entry, SHOP_KEYS, where)
    url = entry.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PhcError(
            f"{where}: url must be the shop's http(s) address, e.g. https://shop.example"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise PhcError(
            f"{where}: url must be the shop's address alone (no credentials, no ?query): the"
            " key goes in the variable named by key_env"
        )
    key_env = entry.get("key_env")
    if not isinstance(key_env, str) or not _ENV_NAME.fullmatch(key_env):
        raise PhcError(
            f"{where}: key_env must name the environment variable that holds the shop's key,"
            " e.g. PARIS_WS_KEY"
        )
    value = env.get(key_env, "")
    if not value:
        raise PhcError(f"{where}: {key_env} is not set; export it with the shop's Webservice key")
    if len(value.strip()) != 32:
        raise PhcError(
            f"{where}: {key_env} is not a 32-character Webservice key; copy the key from the"
            " back office (Advanced Parameters > Webservice)"
        )
    return ShopConfig(
        name=name,
        url=url.rstrip("/"),
        key_env=key_env,
        stores=_stores(entry.get("stores", "all"), where),
        timezone=_timezone(entry.get("timezone"), where),
        currency=_currency(entry.get("currency"), where),
    )


def _stores(value: object, where: str) -> tuple[int, ...] | None:
    if value == "all":
        return None
    ids = value if isinstance(value, list) else [value]
    if ids and all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
        return tuple(sorted(set(ids)))
    raise PhcError(f"{where}: stores must be `all` or a list of store ids (id_shop), e.g. [1, 3]")


def _timezone(value: object, where: str) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise PhcError(
            f"{where}: timezone {value!r} is not a time zone name; use e.g. Europe/Paris"
        ) from None
    return str(value)


def _currency(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise PhcError(f"{where}: currency must be an ISO 4217 code such as EUR")
    return value
