"""The quarantine check: the records staging left out, by id, as a WARN asset check.

dbt tests only report a failing row count; this check names the records (``entity:id``) and
their reasons, so the Dagster UI, the quality report and ``phc-analytics status`` say exactly
what the marts exclude. WARN: bad records from the shop must not stop the pipeline, the clean
ones still reach the marts.
"""

import dagster as dg

from phc_analytics.warehouse.resource import WarehouseResource

QUARANTINE_ASSET = dg.AssetKey(["staging", "stg_quarantine"])
MAX_EXAMPLES = 50


@dg.asset_check(
    asset=QUARANTINE_ASSET,
    name="no_quarantined_records",
    description="Staging typed every order, customer and product; the ids it left out (with the"
    " reason) are listed, and the marts exclude them (analytics.quarantined_records).",
)
def no_quarantined_records(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        rows = conn.execute(
            "SELECT entity, record_id, reason FROM staging.stg_quarantine"
            " ORDER BY entity, record_id LIMIT %s",
            (MAX_EXAMPLES,),
        ).fetchall()
        counts = dict(
            conn.execute("SELECT entity, count(*) FROM staging.stg_quarantine GROUP BY entity")
        )
    total = sum(counts.values())
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "failing_count": total,
            "example_ids": [f"{entity}:{record_id}" for entity, record_id, _ in rows],
            "by_entity": dg.MetadataValue.json(counts),
            "reasons": dg.MetadataValue.json(
                {f"{entity}:{record_id}": reason[:300] for entity, record_id, reason in rows}
            ),
        },
    )
