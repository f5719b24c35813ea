"""Asset checks on every raw table: keys, duplicates, schema drift, row counts.

Each check returns the failing count and up to ten example ids, so a failure says where to
look. Duplicate versions and null ids break the layer's contract and are ERROR (blocking:
staging does not build on them); the rest is WARN. The checks look at the versions the latest
load wrote, so their cost follows the change, not the table.
"""

import dagster as dg
from psycopg import sql

from phc_analytics.prestashop.entities import ENTITIES, Entity
from phc_analytics.quality.expectations import EXAMPLES, MIN_IDS, REQUIRED_FIELDS
from phc_analytics.warehouse.resource import WarehouseResource

LATEST_LOAD = """
    run_id IS NOT DISTINCT FROM (
        SELECT run_id FROM {table} ORDER BY load_xid DESC LIMIT 1
    )
"""
# The load before the latest one; on a first load there is none and nothing counts as new.
PREVIOUS_LOAD = """
    run_id = (
        SELECT run_id FROM {table}
        WHERE run_id IS DISTINCT FROM (SELECT run_id FROM {table} ORDER BY load_xid DESC LIMIT 1)
        ORDER BY load_xid DESC LIMIT 1
    )
"""


def _specs(entity: Entity) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(entity.asset_name)
    specs = [
        dg.AssetCheckSpec("ids_not_null", asset=asset, blocking=True,
                          description="Every version has an id."),
        dg.AssetCheckSpec("no_duplicate_versions", asset=asset, blocking=True,
                          description="(id, payload_hash) is unique: a replay adds nothing."),
        dg.AssetCheckSpec("schema_drift", asset=asset,
                          description="The fields staging reads are in every payload of the"
                          " latest load; new fields are reported, not failed."),
        dg.AssetCheckSpec("row_count_bounds", asset=asset,
                          description="The table holds at least the expected number of ids."),
    ]  # fmt: skip
    if entity.incremental:
        specs.append(
            dg.AssetCheckSpec(
                "cursor_not_null",
                asset=asset,
                description=f"Every version of the latest load has a valid {entity.cursor}"
                " (PrestaShop's zero date or garbage leaves it NULL).",
            )
        )
    return specs


def _examples(rows) -> list[int]:
    return [row[0] for row in rows][:EXAMPLES]


def build_raw_checks(entity: Entity) -> dg.AssetChecksDefinition:
    table = sql.Identifier("raw", entity.name)
    latest = sql.SQL(LATEST_LOAD).format(table=table)
    required = list(REQUIRED_FIELDS[entity.name])

    @dg.multi_asset_check(
        specs=_specs(entity),
        name=f"{entity.asset_name}_checks",
        can_subset=True,
    )
    def raw_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        asset = dg.AssetKey(entity.asset_name)
        selected = {key.name for key in context.selected_asset_check_keys}
        with warehouse.connect() as conn:

            def query(statement: sql.Composable, params: dict | None = None) -> list:
                return conn.execute(statement, params or {}).fetchall()

            if "ids_not_null" in selected:
                nulls = query(sql.SQL("SELECT count(*) FROM {} WHERE id IS NULL").format(table))
                yield _result(asset, "ids_not_null", nulls[0][0], [], dg.AssetCheckSeverity.ERROR)
            if "no_duplicate_versions" in selected:
                rows = query(
                    sql.SQL(
                        "SELECT id FROM {} GROUP BY id, payload_hash HAVING count(*) > 1 LIMIT 100"
                    ).format(table)
                )
                yield _result(
                    asset, "no_duplicate_versions", len(rows), _examples(rows),
                    dg.AssetCheckSeverity.ERROR,
                )  # fmt: skip
            if "schema_drift" in selected:
                missing = query(
                    sql.SQL("SELECT id FROM {} WHERE {} AND NOT payload ?& %(keys)s").format(
                        table, latest
                    ),
                    {"keys": required},
                )
                absent = [
                    row[0]
                    for row in query(
                        sql.SQL(
                            "SELECT k FROM unnest(%(keys)s::text[]) AS k WHERE EXISTS"
                            " (SELECT 1 FROM {} WHERE {} AND NOT payload ? k)"
                        ).format(table, latest),
                        {"keys": required},
                    )
                ]
                previous = sql.SQL(PREVIOUS_LOAD).format(table=table)
                has_previous = query(
                    sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(table, previous)
                )[0][0]
                new_fields = [
                    row[0]
                    for row in query(
                        sql.SQL(
                            "SELECT DISTINCT k FROM {t}, jsonb_object_keys(payload) AS k"
                            " WHERE {latest} EXCEPT"
                            " SELECT DISTINCT k FROM {t}, jsonb_object_keys(payload) AS k"
                            " WHERE {previous}"
                        ).format(
                            t=table,
                            latest=latest,
                            previous=previous,
                        )
                    )
                    if has_previous
                ]
                yield _result(
                    asset,
                    "schema_drift",
                    len(missing),
                    _examples(missing),
                    dg.AssetCheckSeverity.WARN,
                    missing_fields=absent,
                    new_fields=sorted(new_fields),
                )
            if "row_count_bounds" in selected:
                ids = query(sql.SQL("SELECT count(DISTINCT id) FROM {}").format(table))[0][0]
                minimum = MIN_IDS.get(entity.name, 0)
                yield dg.AssetCheckResult(
                    asset_key=asset,
                    check_name="row_count_bounds",
                    passed=ids >= minimum,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "distinct_ids": ids,
                        "minimum": minimum,
                        "failing_count": 0 if ids >= minimum else 1,
                    },
                )
            if "cursor_not_null" in selected:
                rows = query(
                    sql.SQL("SELECT id FROM {} WHERE {} AND cursor_value IS NULL").format(
                        table, latest
                    )
                )
                yield _result(
                    asset, "cursor_not_null", len(rows), _examples(rows),
                    dg.AssetCheckSeverity.WARN,
                )  # fmt: skip

    return raw_checks


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
