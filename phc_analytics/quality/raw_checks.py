"""Asset checks on every raw table: what the table's constraints cannot guarantee.

``raw.<resource>`` has ``PRIMARY KEY (id, shop, payload_hash)``: an id is never NULL and a
version is never stored twice, by construction, so checks of those could not fail (staging's
dbt tests keep the nulls and duplicates checks, where a bug can break them). These checks look
for what can go wrong, and each costs what the latest run wrote, not what the table holds: they read
that run's versions through the ``run_id`` index (``raw_load.py`` says which run).

- ``payload_id_matches`` (ERROR): each version is stored under its payload's own id.
- ``cursor_in_read_window`` (ERROR, incremental resources): each version's cursor lies inside
  the range the sync asked the shop for; outside it, the shop ignored the filter or the cursor
  is read wrong, and neither the watermark nor staging's choice of the latest version holds.
- ``row_count_never_decreases`` (ERROR): raw only ever adds versions; fewer rows than at the
  previous evaluation means a truncated, restored or swapped warehouse.
- ``schema_drift``, ``cursor_not_null``, ``row_count_bounds`` (WARN): the shop's payloads.

ERROR checks are blocking: staging does not build on a raw table that fails one. Each check
reports ``failing_count`` and up to ten ``example_ids``.
"""

import dagster as dg
import psycopg
from psycopg import sql

from phc_analytics.ingestion.sweep import REAPPEARED_MARK
from phc_analytics.prestashop.entities import ENTITIES, Entity
from phc_analytics.quality.expectations import EXAMPLES, MIN_IDS, REQUIRED_FIELDS
from phc_analytics.quality.raw_load import Load, latest_load, previous_row_count
from phc_analytics.warehouse.resource import WarehouseResource

ROW_COUNT = "row_count"
# PrestaShop lists with display=full send every field in every record, so a few records of the
# previous load tell its fields; reading all of them would cost a whole initial load each time.
PREVIOUS_LOAD_SAMPLE = 100
# The payload's id as the sync reads it (int() of the JSON value); CASE keeps the cast from
# running on a value that is not an integer.
PAYLOAD_ID_MATCHES = r"""
    CASE WHEN payload ->> 'id' ~ '^\s*[+-]?[0-9]+\s*$'
         THEN (payload ->> 'id')::numeric = id ELSE false END
"""


def _specs(entity: Entity) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(entity.asset_name)
    specs = [
        dg.AssetCheckSpec("payload_id_matches", asset=asset, blocking=True,
                          description="Every version the latest run wrote is stored under its"
                          " payload's own id (the primary key cannot see a payload paired with"
                          " the wrong id)."),
        dg.AssetCheckSpec("row_count_never_decreases", asset=asset, blocking=True,
                          description="Raw only ever adds versions: the table has at least as"
                          " many rows as at the previous evaluation, recorded in Dagster's"
                          " check history (a truncated, restored or swapped warehouse fails)."),
        dg.AssetCheckSpec("schema_drift", asset=asset,
                          description="The fields staging reads are in every payload of the"
                          " latest load; new fields are reported, not failed."),
    ]  # fmt: skip
    if entity.name in MIN_IDS:
        specs.append(
            dg.AssetCheckSpec(
                "row_count_bounds",
                asset=asset,
                description=f"The table holds at least {MIN_IDS[entity.name]} id(s).",
            )
        )
    if entity.incremental:
        specs += [
            dg.AssetCheckSpec(
                "cursor_in_read_window",
                asset=asset,
                blocking=True,
                description=f"Every version the latest run wrote has its {entity.cursor} inside"
                " the range the sync asked the shop for (read_from..read_to in the"
                " materialization metadata); outside it, the shop ignored the filter or the"
                " cursor is read wrong, and the watermark cannot be trusted.",
            ),
            dg.AssetCheckSpec(
                "cursor_not_null",
                asset=asset,
                description=f"Every version of the latest load has a valid {entity.cursor}"
                " (PrestaShop's zero date or garbage leaves it NULL).",
            ),
        ]
    return specs


def build_raw_checks(entity: Entity) -> dg.AssetChecksDefinition:
    table = sql.Identifier("raw", entity.name)
    asset = dg.AssetKey(entity.asset_name)

    @dg.multi_asset_check(
        specs=_specs(entity),
        name=f"{entity.asset_name}_checks",
        can_subset=True,
    )
    def raw_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connect() as conn:
            load = latest_load(context.instance, asset, conn, table, run_id=context.run.run_id)
            if "payload_id_matches" in selected:
                yield _payload_id_matches(conn, table, asset, load)
            if "cursor_in_read_window" in selected:
                yield _cursor_in_read_window(conn, table, asset, load)
            if "row_count_never_decreases" in selected:
                yield _row_count_never_decreases(context.instance, conn, table, asset)
            if "schema_drift" in selected:
                yield _schema_drift(conn, table, asset, load, list(REQUIRED_FIELDS[entity.name]))
            if "row_count_bounds" in selected:
                yield _row_count_bounds(conn, table, asset, MIN_IDS[entity.name], load.shop)
            if "cursor_not_null" in selected:
                yield _cursor_not_null(conn, table, asset, load)

    return raw_checks


def _run_rows(
    conn: psycopg.Connection, table: sql.Composable, load: Load, failing: str, params: dict
) -> tuple[int, int, list[int]]:
    """(versions the run wrote, how many of them match ``failing``, example ids)."""
    rows, failed, examples = conn.execute(
        sql.SQL(
            "SELECT count(*), count(*) FILTER (WHERE {failing}),"
            " (array_agg(id ORDER BY id) FILTER (WHERE {failing}))[1:%(examples)s]"
            " FROM {table} WHERE run_id = %(run_id)s"
        ).format(failing=sql.SQL(failing), table=table),
        {"run_id": load.run_id, "examples": EXAMPLES, **params},
    ).fetchone()
    return rows, failed, list(examples or [])


def _payload_id_matches(conn, table, asset, load: Load) -> dg.AssetCheckResult:
    rows, failed, examples = _run_rows(conn, table, load, f"NOT ({PAYLOAD_ID_MATCHES})", {})
    return _result(
        asset, "payload_id_matches", failed, examples, dg.AssetCheckSeverity.ERROR,
        run_id=load.run_id, rows_checked=rows,
    )  # fmt: skip


def _cursor_in_read_window(conn, table, asset, load: Load) -> dg.AssetCheckResult:
    window = {"read_from": _text(load.read_from), "read_to": _text(load.read_to)}
    if not load.recorded:
        # Checks run on an instance that never materialized the asset: no window to compare.
        return _result(
            asset, "cursor_in_read_window", 0, [], dg.AssetCheckSeverity.ERROR,
            run_id=load.run_id, rows_checked=0, note="no materialization recorded", **window,
        )  # fmt: skip
    # A run that read nothing has no window: any version it wrote is outside. The versions a
    # delete sweep writes (ingestion/sweep.py) keep the cursor of the version they follow.
    failing = (
        f"cursor_value IS NOT NULL AND removed_at IS NULL AND NOT payload ? '{REAPPEARED_MARK}'"
    )
    if load.read_from is not None and load.read_to is not None:
        failing += " AND cursor_value NOT BETWEEN %(low)s AND %(high)s"
    rows, failed, examples = _run_rows(
        conn, table, load, failing, {"low": load.read_from, "high": load.read_to}
    )
    return _result(
        asset, "cursor_in_read_window", failed, examples, dg.AssetCheckSeverity.ERROR,
        run_id=load.run_id, rows_checked=rows, **window,
    )  # fmt: skip


def _row_count_never_decreases(instance, conn, table, asset) -> dg.AssetCheckResult:
    # Answered from the smallest index (an index-only scan) once autovacuum has marked the
    # table's pages visible: about 70 ms at a million versions, against a heap of gigabytes.
    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
    check_key = dg.AssetCheckKey(asset, "row_count_never_decreases")
    previous = previous_row_count(instance, check_key, ROW_COUNT)
    lost = max(0, previous.rows - rows) if previous else 0
    return _result(
        asset, "row_count_never_decreases", lost, [], dg.AssetCheckSeverity.ERROR,
        **{ROW_COUNT: rows},
        previous_row_count=previous.rows if previous else None,
        previous_run_id=previous.run_id if previous else None,
    )  # fmt: skip


def _schema_drift(conn, table, asset, load: Load, required: list[str]) -> dg.AssetCheckResult:
    _rows, failed, examples = _run_rows(conn, table, load, "NOT payload ?& %(keys)s", {
        "keys": required
    })  # fmt: skip
    absent = [
        row[0]
        for row in conn.execute(
            sql.SQL(
                "SELECT k FROM unnest(%(keys)s::text[]) AS k WHERE EXISTS"
                " (SELECT 1 FROM {} WHERE run_id = %(run_id)s AND NOT payload ? k)"
            ).format(table),
            {"keys": required, "run_id": load.run_id},
        )
    ]
    # The load before this run's: the newest version of the same shop written before its first
    # one (another installation's fields say nothing about this one's).
    new_fields = conn.execute(
        sql.SQL(
            """
            WITH previous AS (
                SELECT run_id FROM {t}
                WHERE load_xid < (SELECT min(load_xid) FROM {t} WHERE run_id = %(run_id)s)
                  AND (%(shop)s::text IS NULL OR shop = %(shop)s::text)
                ORDER BY load_xid DESC LIMIT 1
            )
            SELECT DISTINCT k FROM {t}, jsonb_object_keys(payload) AS k
            WHERE run_id = %(run_id)s AND EXISTS (SELECT 1 FROM previous)
              AND left(k, 5) <> '_phc_'  -- the warehouse's own marks (sweep, erasure)
            EXCEPT
            SELECT k FROM (
                SELECT payload FROM {t} WHERE run_id = (SELECT run_id FROM previous) LIMIT %(n)s
            ) AS sample, jsonb_object_keys(payload) AS k
            """
        ).format(t=table),
        {"run_id": load.run_id, "n": PREVIOUS_LOAD_SAMPLE, "shop": load.shop},
    ).fetchall()
    return _result(
        asset,
        "schema_drift",
        failed,
        examples,
        dg.AssetCheckSeverity.WARN,
        missing_fields=absent,
        new_fields=sorted(row[0] for row in new_fields),
    )


def _row_count_bounds(
    conn, table, asset, minimum: int, shop: str | None = None
) -> dg.AssetCheckResult:
    """At least ``minimum`` ids of the loaded shop (of any shop when unknown): one shop's ids
    say nothing about another's. DISTINCT over the primary key's index stops after
    ``minimum`` ids."""
    ids = conn.execute(
        sql.SQL(
            "SELECT count(*) FROM (SELECT DISTINCT id FROM {}"
            " WHERE %(shop)s::text IS NULL OR shop = %(shop)s::text LIMIT %(n)s) AS s"
        ).format(table),
        {"shop": shop, "n": minimum},
    ).fetchone()[0]
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name="row_count_bounds",
        passed=ids >= minimum,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "distinct_ids_found": ids,
            "shop": shop,
            "minimum": minimum,
            "failing_count": 0 if ids >= minimum else 1,
        },
    )


def _cursor_not_null(conn, table, asset, load: Load) -> dg.AssetCheckResult:
    failing = "cursor_value IS NULL AND removed_at IS NULL"
    _rows, failed, examples = _run_rows(conn, table, load, failing, {})
    return _result(asset, "cursor_not_null", failed, examples, dg.AssetCheckSeverity.WARN)


def _text(value) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None


def _result(asset, name, failing, examples, severity, **extra) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=name,
        passed=failing == 0,
        severity=severity,
        metadata={"failing_count": failing, "example_ids": examples, **extra},
    )


def build_all_raw_checks() -> list[dg.AssetChecksDefinition]:
    return [build_raw_checks(entity) for entity in ENTITIES]
