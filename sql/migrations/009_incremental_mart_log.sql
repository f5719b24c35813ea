-- The incremental marts (fct_orders, fct_order_lines) log each build in analytics.refresh_log,
-- like the materialized views: snapshot_xmin is the watermark of the mart's next build (it
-- re-reads the staging rows written by a transaction at or above it), rows_deleted and
-- rows_inserted say how much of the table the build rewrote.
ALTER TABLE analytics.refresh_log
    ADD COLUMN snapshot_xmin bigint,
    ADD COLUMN incremental   boolean NOT NULL DEFAULT false,
    ADD COLUMN rows_deleted  bigint,
    ADD COLUMN rows_inserted bigint;

-- The watermark lookup: max(snapshot_xmin) of one mart.
CREATE INDEX refresh_log_view_xmin ON analytics.refresh_log (view_name, snapshot_xmin);
