-- What the dashboard's data health page (and any BI tool) shows before anyone trusts the
-- numbers, readable by phc_bi, which cannot read staging.
--
-- analytics.sync_status: per resource, how far the sync got and when, and the last delete sweep.
-- A view owned by the admin that runs the migrations: phc_bi reads the watermarks through it,
-- not the table.
CREATE VIEW analytics.sync_status AS
SELECT
    w.entity,
    w.cursor_field,
    -- The epoch is the watermark's "nothing loaded yet"; reference lists re-read whole keep it.
    CASE WHEN w.cursor_value > '1970-01-01' THEN w.cursor_value END AS synced_through,
    w.updated_at AS last_synced_at,
    w.run_id AS last_run_id,
    s.finished_at AS last_swept_at,
    s.listed_ids AS last_sweep_listed_ids,
    s.removed_ids AS last_sweep_removed_ids
FROM staging.etl_watermarks AS w
LEFT JOIN LATERAL (
    SELECT finished_at, listed_ids, removed_ids
    FROM staging.etl_sweeps
    WHERE entity = w.entity
    ORDER BY finished_at DESC
    LIMIT 1
) AS s ON true;

COMMENT ON VIEW analytics.sync_status IS
    'Per resource synced from the shop: the watermark (how far the sync read, shop-local time; NULL before the first sync), when it last moved, and the last delete sweep.';
COMMENT ON COLUMN analytics.sync_status.entity IS 'The PrestaShop resource (orders, customers, ...).';
COMMENT ON COLUMN analytics.sync_status.cursor_field IS 'What the sync reads from: date_upd, date_add, or full_refresh for small reference lists.';
COMMENT ON COLUMN analytics.sync_status.synced_through IS 'The highest cursor value loaded (shop-local time); NULL before the first sync and for the reference lists read whole each time (cursor_field full_refresh).';
COMMENT ON COLUMN analytics.sync_status.last_synced_at IS 'When the watermark last moved (UTC).';
COMMENT ON COLUMN analytics.sync_status.last_run_id IS 'The Dagster run that moved it.';
COMMENT ON COLUMN analytics.sync_status.last_swept_at IS 'When the last delete sweep of this resource finished; NULL if never swept.';
COMMENT ON COLUMN analytics.sync_status.last_sweep_listed_ids IS 'Ids the shop listed in that sweep.';
COMMENT ON COLUMN analytics.sync_status.last_sweep_removed_ids IS 'Ids that sweep found deleted in the shop.';

-- analytics.check_results: the latest result of every asset check, written by the
-- quality_report asset with the JSON report (quality/report.py), replaced whole each time.
CREATE TABLE analytics.check_results (
    asset         text        NOT NULL,
    check_name    text        NOT NULL,
    status        text        NOT NULL,
    severity      text,
    failing_count bigint,
    example_ids   jsonb       NOT NULL DEFAULT '[]',
    run_id        text,
    evaluated_at  timestamptz,
    reported_at   timestamptz NOT NULL,
    PRIMARY KEY (asset, check_name)
);

COMMENT ON TABLE analytics.check_results IS
    'The latest result of every data check (dbt tests, raw checks, quarantine), as of the last quality report.';
COMMENT ON COLUMN analytics.check_results.asset IS 'The checked asset, e.g. analytics/fct_orders or raw_orders.';
COMMENT ON COLUMN analytics.check_results.check_name IS 'The check (a dbt test or a Python check).';
COMMENT ON COLUMN analytics.check_results.status IS 'passed, failed, or not_run.';
COMMENT ON COLUMN analytics.check_results.severity IS 'ERROR (blocks the marts downstream) or WARN.';
COMMENT ON COLUMN analytics.check_results.failing_count IS 'Rows failing the check, when it counts them.';
COMMENT ON COLUMN analytics.check_results.example_ids IS 'A few failing ids, as a JSON array.';
COMMENT ON COLUMN analytics.check_results.run_id IS 'The Dagster run that evaluated the check.';
COMMENT ON COLUMN analytics.check_results.evaluated_at IS 'When the check last ran (UTC).';
COMMENT ON COLUMN analytics.check_results.reported_at IS 'When the quality report that wrote this row ran (UTC).';

GRANT SELECT ON analytics.sync_status, analytics.check_results TO phc_bi;
GRANT SELECT, INSERT, DELETE ON analytics.check_results TO phc_etl;
