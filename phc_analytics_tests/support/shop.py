"""Demo shops for tests: generated once per session, copied per test (advancing mutates them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import requests

from phc_analytics.demo_shop import generate_shop
from phc_analytics.ingestion.sync import SyncStats, sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import SHOP_RESTRICTED, PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME, ENTITIES, Entity


def make_template(directory: Path, orders: int, seed: int) -> Path:
    path = directory / f"shop_{orders}_{seed}.sqlite"
    generate_shop(path, orders=orders, seed=seed)
    return path


def copy_shop(template: Path, target_dir: Path) -> Path:
    target = target_dir / "shop.sqlite"
    shutil.copyfile(template, target)
    return target


def sync_from_shop(server, url: str, names: tuple[str, ...] | None = None) -> dict[str, int]:
    """Sync ``names`` (every resource by default) from a running demo shop into the warehouse
    at ``url``, everything the shop has; return the rows read per resource."""
    return {name: stats.rows_read for name, stats in sync_shop(server, url, names=names).items()}


def sync_shop(
    server, url: str, shop: str = "default", names: tuple[str, ...] | None = None
) -> dict[str, SyncStats]:
    """Sync ``names`` (every resource by default) of a running demo shop into the warehouse at
    ``url`` as the installation ``shop``, from its watermarks; the stats per resource."""
    entities = ENTITIES if names is None else [BY_NAME[name] for name in names]
    client = PrestaShopClient(server.url, server.ws_key, backoff_s=0.01)
    try:
        with psycopg.connect(url) as conn:
            return {
                e.name: sync_entity(client, conn, e, SyncRequest.everything(), shop=shop)
                for e in entities
            }
    finally:
        client.close()


def shop_truth(
    base_url: str, ws_key: str, entity: Entity, every_store: bool = False
) -> dict[int, str | None]:
    """id -> cursor value of every record, read straight from the shop in one request
    (no paging, no filters): an independent view to compare raw against. ``every_store``:
    a multistore shop's records of all its stores (``id_shop=all``), not the default one's."""
    fields = f"[id,{entity.cursor}]" if entity.cursor else "[id]"
    params = {"display": fields, "output_format": "JSON"}
    if every_store and entity.name in SHOP_RESTRICTED:
        params["id_shop"] = "all"
    response = requests.get(
        f"{base_url}/api/{entity.name}",
        params=params,
        auth=(ws_key, ""),
        timeout=120,
    )
    response.raise_for_status()
    body = response.json()
    records = [] if body == [] else body[entity.list_key]
    return {int(r["id"]): (r.get(entity.cursor) if entity.cursor else None) for r in records}


def raw_latest(
    conn: psycopg.Connection, entity: Entity, shop: str = "default"
) -> dict[int, str | None]:
    """id -> cursor of the latest version of each id of ``shop`` in raw, for the ids the shop
    still has (the latest version of a removed one is the delete sweep's tombstone)."""
    rows = conn.execute(
        f"""
        SELECT id, cursor FROM (
            SELECT DISTINCT ON (id) id, to_char(cursor_value, 'YYYY-MM-DD HH24:MI:SS') AS cursor,
                   removed_at
            FROM raw.{entity.name}
            WHERE shop = %s
            ORDER BY id, cursor_value DESC NULLS LAST, first_seen_at DESC, load_xid DESC
        ) AS latest
        WHERE removed_at IS NULL
        """,
        (shop,),
    ).fetchall()
    return {row[0]: (row[1] if entity.cursor else None) for row in rows}


def raw_versions(
    conn: psycopg.Connection, entity: Entity, shop: str = "default"
) -> set[tuple[int, str]]:
    return set(
        conn.execute(
            f"SELECT id, payload_hash FROM raw.{entity.name} WHERE shop = %s", (shop,)
        ).fetchall()
    )
