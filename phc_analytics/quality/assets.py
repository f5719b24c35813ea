"""The quality_report asset: after a build, every check's latest result in one JSON file."""

import dagster as dg

from phc_analytics.ingestion.shop_partitions import configured_shops, latest_shop_syncs
from phc_analytics.quality.report import default_report_path, entry, store_report, write_report
from phc_analytics.transform.assets import dbt_analytics
from phc_analytics.warehouse.resource import WarehouseResource

QUALITY_GROUP = "quality"


class QualityReportConfig(dg.Config):
    path: str = default_report_path()
    """Where the JSON report is written (PHC_QUALITY_REPORT, default .phc/quality_report.json)."""


@dg.asset(
    name="quality_report",
    group_name=QUALITY_GROUP,
    deps=[dbt_analytics],
    kinds={"json"},
    automation_condition=dg.AutomationCondition.eager().without(
        ~dg.AutomationCondition.any_deps_missing()
    ),
    description="Every asset check's latest result (status, severity, failing count, examples)"
    " as JSON, for CI gates and `phc-analytics status`, and in analytics.check_results for the"
    " dashboard and BI tools.",
)
def quality_report(
    context: dg.AssetExecutionContext, config: QualityReportConfig, warehouse: WarehouseResource
):
    # The job's graph, not the repository's: a run launched with materialize() has no
    # repository, and a UI run's implicit job spans every asset anyway.
    graph = context.job_def.asset_layer.asset_graph
    check_keys = list(graph.asset_check_keys)
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    shops = configured_shops()
    report = write_report(
        config.path,
        [entry(key, records.get(key), graph.get_check_spec(key)) for key in check_keys],
        shops=latest_shop_syncs(context.instance, shops) if shops else None,
    )
    with warehouse.connect() as conn:
        stored = store_report(conn, report)
    summary = report["summary"]
    context.log.info(f"quality report: {summary}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(config.path),
            "rows_in_check_results": stored,
            **{k: v for k, v in summary.items()},
        }
    )
