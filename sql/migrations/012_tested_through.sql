-- Per-row dbt tests follow the change (macros/test_scope.sql): for each incremental table, the
-- mark (_batch_xmin in staging, _mart_xid in the facts) up to which every per-row test last
-- passed. Rows marked below it were tested then and have not been rewritten since; a test that
-- fails leaves it where it was, so the failing rows are read again until they are fixed.
-- Bookkeeping, not a mart: staging, which the BI role cannot read.
CREATE TABLE staging.tested_through (
    relation   text        PRIMARY KEY,  -- 'staging.stg_orders'
    row_mark   bigint      NOT NULL,
    tested_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON staging.tested_through TO phc_etl;
