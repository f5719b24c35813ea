"""Pure functions for the Webservice's wire format and its quirks."""

from __future__ import annotations

import re
from datetime import datetime

import orjson

SHOP_DATETIME = "%Y-%m-%d %H:%M:%S"
MAX_ID = 4_294_967_295  # ids are int(10) unsigned in PrestaShop's schema
_RANGE_SAFE = re.compile(r"^[\d.:\-\s]+$")


class MalformedBody(ValueError):
    """The body is not the JSON a Webservice list returns (truncated, HTML error page...)."""


def parse_list(body: bytes, list_key: str) -> list[dict]:
    """The records of a list response.

    An empty list comes back as a bare ``[]`` instead of ``{"orders": []}`` (quirk: the JSON
    renderer writes no wrapper when there is no entity).
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(f"invalid JSON ({exc.msg} at byte {exc.pos})") from None
    if data == []:
        return []
    if isinstance(data, dict) and isinstance(data.get(list_key), list):
        return data[list_key]
    raise MalformedBody(f"expected a JSON object with a {list_key!r} list")


def parse_errors(body: bytes) -> list[tuple[int, str]]:
    """(code, message) pairs from an error body; empty when the body carries none."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return []
    errors = []
    for item in data["errors"]:
        if isinstance(item, dict):
            try:
                code = int(item.get("code", 0))
            except (TypeError, ValueError):
                code = 0
            errors.append((code, str(item.get("message", ""))))
    return errors


def parse_shop_datetime(value: object) -> datetime | None:
    """A shop-local timestamp, or None for PrestaShop's zero date and for garbage."""
    if not isinstance(value, str) or not value or value.startswith("0000-00-00"):
        return None
    if _is_shop_shaped(value):
        # fromisoformat is C and ~50x faster than strptime (one call per record synced); on
        # exactly this shape both accept the same values, and anything it refuses falls through.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    try:
        return datetime.strptime(value, SHOP_DATETIME)
    except ValueError:
        return None


def _is_shop_shaped(value: str) -> bool:
    """``YYYY-MM-DD HH:MM:SS`` punctuation in ASCII (digits are left to the parser)."""
    return (
        len(value) == 19
        and value.isascii()
        and value[4] == value[7] == "-"
        and value[10] == " "
        and value[13] == value[16] == ":"
    )


def format_shop_datetime(value: datetime) -> str:
    return value.strftime(SHOP_DATETIME)


def range_filter(low: object, high: object) -> str:
    """``[low,high]``: BETWEEN, inclusive at both ends.

    The shop only treats the value as a range when both ends are digits, ``.:-`` and spaces;
    anything else (an ISO ``T``) silently becomes an exact match that returns nothing.
    """
    low_s = format_shop_datetime(low) if isinstance(low, datetime) else str(low)
    high_s = format_shop_datetime(high) if isinstance(high, datetime) else str(high)
    for side in (low_s, high_s):
        if not _RANGE_SAFE.match(side):
            raise ValueError(f"{side!r} cannot be used in a PrestaShop range filter")
    return f"[{low_s},{high_s}]"


def language_value(field: object, language_id: int | str | None = None) -> str | None:
    """A multilingual field in one language.

    With one active language the shop sends a plain string, with several a list of
    ``{"id": "1", "value": "..."}``; accept both.
    """
    if field is None or isinstance(field, str):
        return field
    if isinstance(field, list):
        wanted = None if language_id is None else str(language_id)
        for item in field:
            if isinstance(item, dict) and (wanted is None or str(item.get("id")) == wanted):
                return item.get("value")
        return None
    return str(field)


def with_dropped_falsy_fields(record: dict, expected_fields: list[str]) -> dict:
    """Put back the fields PrestaShop 8 drops from single-object JSON when they are falsy.

    ``/api/orders/1`` without ``display`` runs ``array_filter`` over the object, so ``"0"``,
    ``""`` and ``null`` fields vanish; they come back here as ``""`` (the list rendering of a
    falsy value is not recoverable, and both "0" and "" read as false/empty downstream).
    """
    return {name: record.get(name, "") for name in expected_fields} | record
