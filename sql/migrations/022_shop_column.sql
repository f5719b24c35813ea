-- Several PrestaShop installations in one warehouse (issue 17): ids are unique within a shop,
-- not across shops, so every raw row, watermark, sweep and erasure names its shop. A warehouse
-- built before this migration held one shop: its rows become shop 'default' in place. The
-- constant default adds the column without rewriting any table (PostgreSQL 11+); only the
-- primary keys are rebuilt, once.
--
-- The raw key is (id, shop, payload_hash), id first on purpose: staging reads raw by id
-- (`where r.id in (...)`, `distinct on (r.id ...) order by r.id`), and an id-first index still
-- serves those plans, where a shop-first one would need the shop in every lookup to be used.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'raw' AND c.relkind = 'r'
        ORDER BY c.relname
    LOOP
        EXECUTE format(
            'ALTER TABLE raw.%I ADD COLUMN shop text NOT NULL DEFAULT %L',
            t.relname, 'default'
        );
        EXECUTE format('ALTER TABLE raw.%I DROP CONSTRAINT %I', t.relname, t.relname || '_pkey');
        EXECUTE format(
            'ALTER TABLE raw.%I ADD CONSTRAINT %I PRIMARY KEY (id, shop, payload_hash)',
            t.relname, t.relname || '_pkey'
        );
        EXECUTE format(
            'COMMENT ON COLUMN raw.%I.shop IS %L',
            t.relname,
            'The installation the row came from (the shops file''s name; ''default'' for the single-shop variables)'
        );
    END LOOP;
END
$$;

-- Watermarks per shop and resource: each shop is read from its own position.
ALTER TABLE staging.etl_watermarks ADD COLUMN shop text NOT NULL DEFAULT 'default';
ALTER TABLE staging.etl_watermarks DROP CONSTRAINT etl_watermarks_pkey;
ALTER TABLE staging.etl_watermarks ADD CONSTRAINT etl_watermarks_pkey PRIMARY KEY (shop, entity);
COMMENT ON TABLE staging.etl_watermarks IS
    'Per shop and entity: the highest cursor value committed in raw. Epoch baseline = nothing loaded yet.';

-- Sweeps and erasures name the shop they ran on: a sweep of one shop says nothing about another.
ALTER TABLE staging.etl_sweeps ADD COLUMN shop text NOT NULL DEFAULT 'default';
DROP INDEX staging.etl_sweeps_entity;
CREATE INDEX etl_sweeps_shop_entity ON staging.etl_sweeps (shop, entity, finished_at);

ALTER TABLE staging.erasure_log ADD COLUMN shop text NOT NULL DEFAULT 'default';
