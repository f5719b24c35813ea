"""Store subsets (issue 17): the stores each installation reports, from the shops file's
``stores:``, handed to dbt through the warehouse.

Raw keeps every store (PrestaShop lists most order children of every store whatever the shop
context, so a sync cannot leave them out); staging and the marts keep the chosen stores
(sql/dbt/macros/store_selection.sql). Before each dbt build the file's selection is written to
``staging.store_selection`` (migration 025), where the models read it when they run. Each layer
records the selection it was built with (``staging.built_store_selection``, by post-hooks); a
layer built with another selection is rebuilt whole once, since a changed selection changes rows
that no incremental build would revisit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import psycopg

from phc_analytics import settings
from phc_analytics.errors import PhcError

# The table each layer's record belongs to: no record is expected before the layer is built.
_LAYER_TABLES = {"staging": "staging.stg_orders", "analytics": "analytics.fct_orders"}


def configured_selection(environ: Mapping[str, str] | None = None) -> dict[str, tuple[int, ...]]:
    """The installations of the shops file that report some stores only, with those stores
    (sorted, distinct: shops_file reads them so); empty without a file, or when every shop
    reports all its stores."""
    env = os.environ if environ is None else environ
    if not env.get(settings.ENV_SHOPS_FILE):
        return {}
    from phc_analytics.shops_file import load_shops

    return {
        shop.name: shop.stores for shop in load_shops(dict(env)).shops if shop.stores is not None
    }


def write_selection(conn: psycopg.Connection, selection: Mapping[str, tuple[int, ...]]) -> None:
    """Make ``staging.store_selection`` hold ``selection``, in one transaction (a build that
    starts meanwhile reads the old one or the new one). Untouched when it already does. A store
    its installation does not have (in raw.shops, once synced) stops here, in one line: the
    shops file is wrong, and a build would silently report nothing for it."""
    for shop, stores in sorted(selection.items()):
        known = {
            i for (i,) in conn.execute("SELECT DISTINCT id FROM raw.shops WHERE shop = %s", (shop,))
        }
        unknown = sorted(set(stores) - known)
        if known and unknown:
            raise PhcError(
                f"the shops file chooses store {', '.join(map(str, unknown))} of {shop}, which"
                f" has stores {', '.join(map(str, sorted(known)))}: fix its `stores:`"
            )
    current = dict(conn.execute("SELECT shop, stores FROM staging.store_selection").fetchall())
    wanted = {shop: list(stores) for shop, stores in selection.items()}
    if current == wanted:
        return
    with conn.transaction():
        conn.execute("DELETE FROM staging.store_selection")
        for shop, stores in sorted(wanted.items()):
            conn.execute(
                "INSERT INTO staging.store_selection (shop, stores) VALUES (%s, %s)",
                (shop, stores),
            )


def changed_reason(conn: psycopg.Connection, layer: str) -> str | None:
    """Why ``layer`` ('staging' or 'analytics') must be rebuilt whole because it was built with
    another store selection than ``staging.store_selection`` holds, or None."""
    (built,) = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (_LAYER_TABLES[layer],)
    ).fetchone()
    if not built:
        return None
    differing = [
        shop
        for (shop,) in conn.execute(
            """WITH built AS (SELECT shop, stores FROM staging.built_store_selection
                              WHERE layer = %(l)s),
                    wanted AS (SELECT shop, stores FROM staging.store_selection)
               SELECT shop FROM ((TABLE wanted EXCEPT TABLE built)
                                 UNION (TABLE built EXCEPT TABLE wanted)) AS d
               GROUP BY shop ORDER BY shop""",
            {"l": layer},
        )
    ]
    if differing:
        return f"the stores chosen for {', '.join(differing)} changed since the {layer} build"
    return None
