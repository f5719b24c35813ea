"""JSON bodies as PrestaShop 8.2.1's ``WebserviceOutputJSON`` writes them.

Full lists are the stored record JSON joined as bytes, never re-serialised; only chosen
fields, language selection and single objects (whose falsy fields 8.x drops) parse records.
"""

from __future__ import annotations

import json

from phc_analytics.demo_shop.model import Resource
from phc_analytics.demo_shop.store import php_json


def errors_body(errors: list[tuple[int, str]]) -> bytes:
    return php_json({"errors": [{"code": c, "message": m} for c, m in errors]}).encode()


def list_minimal(res: Resource, ids: list[int]) -> bytes:
    if not ids:
        return b"[]"
    inner = ",".join(f'{{"id":{i}}}' for i in ids)
    return f'{{"{res.list_key}":[{inner}]}}'.encode()


def list_full(res: Resource, rows: list[bytes]) -> bytes:
    if not rows:
        return b"[]"
    return b'{"' + res.list_key.encode() + b'":[' + b",".join(rows) + b"]}"


def list_records(res: Resource, records: list[dict]) -> bytes:
    records = [r for r in records if r]  # array_filter on the list drops empty entities
    if not records:
        return b"[]"
    return php_json({res.list_key: records}).encode()


def single(res: Resource, record: dict) -> bytes:
    """No ``display``: under the singular key, with falsy fields dropped (8.x array_filter)."""
    kept = {k: v for k, v in record.items() if v not in ("0", "", None, 0, [], {}, False)}
    return php_json({res.single_key: kept}).encode()


def project(res: Resource, record: dict, display, languages: list[str] | None) -> dict:
    """Fields kept by ``display`` (FULL or a parsed field dict), i18n limited to languages."""
    if isinstance(display, dict):
        out = {}
        for f in res.fields:
            if f.name in display and display[f.name] is None and f.name in record:
                out[f.name] = record[f.name]
        assoc_out = {}
        for a in res.associations:
            subs = display.get(a.name)
            items = record.get("associations", {}).get(a.name)
            if subs is None or not items:
                continue
            wanted = [s for s in ("id", *a.fields) if s in subs]
            assoc_out[a.name] = [{k: item[k] for k in wanted if k in item} for item in items]
        if assoc_out:
            out["associations"] = assoc_out
        record = out
    if languages is not None:
        record = select_languages(res, record, languages)
    return record


def select_languages(res: Resource, record: dict, languages: list[str]) -> dict:
    """One language in play renders an i18n field as a plain string, several as a list."""
    out = dict(record)
    for f in res.fields:
        if f.i18n and isinstance(out.get(f.name), list):
            values = [v for v in out[f.name] if v["id"] in languages]
            out[f.name] = values[0]["value"] if len(values) == 1 else values
    return out


def parse(raw: bytes) -> dict:
    return json.loads(raw)
