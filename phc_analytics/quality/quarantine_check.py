"""The quarantine check: the records staging left out, by id, as a WARN asset check.

dbt tests only report a failing row count; this check names the records (``entity:id``, or
``shop/entity:id`` for a shop other than ``default``: ids are unique within a shop only) and
their reasons, so the Dagster UI, the quality report and ``phc-analytics status`` say exactly
what the marts exclude. WARN: bad records from the shop must not stop the pipeline, the clean
ones still reach the marts.
"""

import dagster as dg

from phc_analytics.shops_file import DEFAULT_SHOP
from phc_analytics.warehouse.resource import WarehouseResource

QUARANTINE_ASSET = dg.AssetKey(["staging", "stg_quarantine"])
MAX_EXAMPLES = 50


def label(shop: str, entity: str, record_id: int) -> str:
    """How a quarantined record is named: ``orders:7``, or ``paris/orders:7`` in a warehouse
    of several shops."""
    return f"{entity}:{record_id}" if shop == DEFAULT_SHOP else f"{shop}/{entity}:{record_id}"


@dg.asset_check(
    asset=QUARANTINE_ASSET,
    name="no_quarantined_records",
    description="Staging typed every order, customer and product; the ids it left out (with the"
    " reason) are listed, and the marts exclude them (analytics.quarantined_records).",
)
def no_quarantined_records(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as conn:
        rows = conn.execute(
            "SELECT shop, entity, record_id, reason FROM staging.stg_quarantine"
            " ORDER BY shop, entity, record_id LIMIT %s",
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
            "example_ids": [label(shop, entity, record_id) for shop, entity, record_id, _ in rows],
            "by_entity": dg.MetadataValue.json(counts),
            "reasons": dg.MetadataValue.json(
                {label(s, e, i): reason[:300] for s, e, i, reason in rows}
            ),
        },
    )
