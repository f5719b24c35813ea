-- product_basket_counts keeps its counts by deltas: for each changed order it subtracts the
-- basket the order had at the counts' last build and adds the one it has now. The old basket is
-- the order lines deleted since, provided the line existed then (written at or below the
-- counts' watermark: _mart_xid of the deleted row) and counted (is_valid).
ALTER TABLE staging.removed_fact_rows
    ADD COLUMN is_valid  boolean,
    ADD COLUMN _mart_xid bigint;
