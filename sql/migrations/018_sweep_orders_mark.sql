-- The customers sweep looks for customers that orders name but that were deleted before the
-- warehouse first received them. It reads only the order versions loaded since its last run:
-- orders_xid_checked is the snapshot xmin it read up to (every load_xid below it was final).
ALTER TABLE staging.etl_sweeps ADD COLUMN orders_xid_checked bigint;
