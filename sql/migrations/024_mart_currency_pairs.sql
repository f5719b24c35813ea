-- Which currencies each installation had when the marts were last built (issue 17). A shop
-- that does not know the reporting currency is converted through another installation's rates
-- (int_currency_paths); that choice moves when a shop gains or loses a currency, or a new shop
-- arrives, which an incremental build cannot see (no order changed). The fact's build records
-- the pairs here; the next run compares the paths they give with today's and rebuilds the
-- marts whole when one moved (transform/changes.py, currency_paths_reason).
CREATE TABLE staging.mart_currency_pairs (
    shop     text NOT NULL,
    iso_code text NOT NULL,
    PRIMARY KEY (shop, iso_code)
);
GRANT SELECT, INSERT, DELETE ON staging.mart_currency_pairs TO phc_etl;

-- The rate lookups by ISO code (macros/reporting_currency.sql). dbt creates a model's indexes
-- only with the table, and stg_currency_rates is incremental: a warehouse whose staging is
-- already per shop would never get it (as migration 019 did for other lookups). A staging table
-- from before the shop column is rebuilt whole by the next run, indexes and all.
DO $$
BEGIN
    IF (SELECT count(*) FROM information_schema.columns
        WHERE table_schema = 'staging' AND table_name = 'stg_currency_rates'
          AND column_name IN ('iso_code', 'shop')) = 2 THEN
        CREATE INDEX IF NOT EXISTS stg_currency_rates_iso_shop_from
            ON staging.stg_currency_rates (iso_code, shop, valid_from);
    END IF;
END
$$;
