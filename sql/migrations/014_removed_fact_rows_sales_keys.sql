-- agg_sales_daily recomputes each (country, channel) pair from the first day a change touched
-- in that pair, and agg_sales_monthly each (country, category) from the first month. A fact row
-- deleted, or rewritten with other values, takes its old group and day out of the fact: the
-- fact's build records them here with the other old keys.
ALTER TABLE staging.removed_fact_rows
    ADD COLUMN order_date        date,
    ADD COLUMN country_id        bigint,
    ADD COLUMN sales_channel_key text,
    ADD COLUMN category_id       bigint;
