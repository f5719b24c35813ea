"""Store subsets (issue 17): the stores each installation reports, from the shops file's
``stores:``, handed to dbt through the warehouse.

Raw keeps every store (PrestaShop lists most order children of every store whatever the shop
context, so a sync cannot leave them out); staging and the marts keep the chosen stores
(sql/dbt/macros/store_selection.sql). Before each dbt build the file's selection is written to
``staging.store_selection`` (migration 025), where the models read it when they run. Each model
that depends on it records the selection it was built with (``staging.built_store_selection``,
by post-hooks); a dbt step whose models were built with another selection is run as a full
refresh once, since a changed selection changes rows that no incremental build would revisit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import psycopg

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.transform.changes import INCREMENTAL_MARTS

# The staging models that keep the chosen stores only (sql/dbt/macros/store_selection.sql); each
# records the selection it applied, as every incremental mart does (end_incremental_mart).
STAGING_MODELS = ("stg_orders", "stg_carts", "stg_stock_availables")
RECORDING = frozenset(STAGING_MODELS) | frozenset(INCREMENTAL_MARTS)


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


def changed_reason(conn: psycopg.Connection, relations: Sequence[str]) -> str | None:
    """Why a dbt step building ``relations`` (``schema.model``) must run as a full refresh: one
    of them that exists and records its selection was built with another store selection than
    ``staging.store_selection`` holds (each model records its own: a layer is often built in
    part, and a failed model leaves the ones after it unbuilt), or None."""
    existing = [
        relation.split(".")[-1]
        for relation in relations
        if relation.split(".")[-1] in RECORDING
        and conn.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()[0]
    ]
    if not existing:
        return None
    differing = conn.execute(
        """WITH m AS (SELECT unnest(%(models)s::text[]) AS model),
                built AS (SELECT b.model, b.shop, b.stores
                          FROM staging.built_store_selection AS b JOIN m USING (model)),
                wanted AS (SELECT m.model, s.shop, s.stores
                           FROM m CROSS JOIN staging.store_selection AS s)
           SELECT string_agg(DISTINCT shop, ', ' ORDER BY shop),
                  string_agg(DISTINCT model, ', ' ORDER BY model)
           FROM ((TABLE wanted EXCEPT TABLE built) UNION (TABLE built EXCEPT TABLE wanted)) AS d""",
        {"models": existing},
    ).fetchone()
    if differing[0]:
        shops, changed = differing
        return f"the stores chosen for {shops} changed since {changed} were built"
    return None
