-- payment_mismatches and agg_carts_daily are now incremental: they find the orders of an order
-- reference, the order of a cart, and the carts changed lately through these indexes. dbt
-- creates them with the staging tables; a warehouse whose staging predates them gets them here
-- (a full refresh of staging replaces both).
DO $$
BEGIN
    IF to_regclass('staging.stg_orders') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS stg_orders_reference ON staging.stg_orders (reference);
        CREATE INDEX IF NOT EXISTS stg_orders_cart_id ON staging.stg_orders (cart_id);
    END IF;
    IF to_regclass('staging.stg_carts') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS stg_carts_updated_at ON staging.stg_carts (updated_at);
    END IF;
END
$$;
