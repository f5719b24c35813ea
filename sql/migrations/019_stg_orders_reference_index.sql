-- payment_mismatches is now incremental: it recomputes the order references a change touched,
-- and finds their orders by reference. dbt creates this index with stg_orders; a warehouse
-- whose stg_orders predates it gets it here (a full refresh of staging replaces both).
DO $$
BEGIN
    IF to_regclass('staging.stg_orders') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS stg_orders_reference ON staging.stg_orders (reference);
    END IF;
END
$$;
