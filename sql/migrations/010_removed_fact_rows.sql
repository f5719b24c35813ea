-- The incremental aggregates (customer_cohorts, agg_product_performance, agg_category_sales)
-- recompute the groups a change touched, found from the fact rows written since their last
-- build (_mart_xid) and from the fact rows deleted since: a deleted row's old keys are gone from
-- the fact, so the facts' builds record them here (macros/incremental_marts.sql). Bookkeeping,
-- not a mart: it lives in staging, which the BI role cannot read. Rows every reader has passed
-- are pruned by the facts' builds.
CREATE TABLE staging.removed_fact_rows (
    fact        text   NOT NULL,  -- 'fct_orders' or 'fct_order_lines'
    removed_xid bigint NOT NULL,  -- the id of the transaction that deleted the row
    order_id    bigint,
    customer_id bigint,
    month_start date,
    product_id  bigint
);
CREATE INDEX removed_fact_rows_fact_xid ON staging.removed_fact_rows (fact, removed_xid);
GRANT SELECT, INSERT, DELETE ON staging.removed_fact_rows TO phc_etl;
