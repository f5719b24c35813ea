-- Several PrestaShop installations in one warehouse (issue 17): ids are unique within a shop,
-- not across shops, so every raw row, watermark, sweep and erasure names its shop. A warehouse
-- built before this migration held one shop: its rows become shop 'default' in place. The
-- constant default adds the column without rewriting any table (PostgreSQL 11+); only the
-- primary keys are rebuilt, once.
--
-- The raw key is (id, shop, payload_hash), id first on purpose: staging reads raw by id
-- (`where r.id in (...)`, `distinct on (r.id ...) order by r.id`), and an id-first index still
-- serves those plans, where a shop-first one would need the shop in every lookup to be used.
--
-- Only the tables of the raw layout are changed (key (id, payload_hash) under its default name):
-- a table someone else put in `raw` (a backup made with CREATE TABLE AS, a probe) is left alone.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
        WHERE n.nspname = 'raw' AND c.relkind = 'r'
          AND k.conname = c.relname || '_pkey'
          AND pg_get_constraintdef(k.oid) = 'PRIMARY KEY (id, payload_hash)'
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

-- Watermarks per shop and resource: each shop is read from its own position. A shop's rows are
-- created by its first write (ingestion/raw_store.py), which is how the warehouse knows which
-- shops it holds; the rows the earlier migrations seeded for every resource are kept only where
-- raw holds that resource's rows.
ALTER TABLE staging.etl_watermarks ADD COLUMN shop text NOT NULL DEFAULT 'default';
ALTER TABLE staging.etl_watermarks DROP CONSTRAINT etl_watermarks_pkey;
ALTER TABLE staging.etl_watermarks ADD CONSTRAINT etl_watermarks_pkey PRIMARY KEY (shop, entity);
DO $$
DECLARE
    w record;
    held boolean;
BEGIN
    FOR w IN SELECT entity FROM staging.etl_watermarks WHERE shop = 'default' LOOP
        held := false;
        IF to_regclass(format('raw.%I', w.entity)) IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM raw.%I)', w.entity) INTO held;
        END IF;
        IF NOT held THEN
            DELETE FROM staging.etl_watermarks WHERE shop = 'default' AND entity = w.entity;
        END IF;
    END LOOP;
END
$$;
COMMENT ON TABLE staging.etl_watermarks IS
    'Per shop and entity: the highest cursor value committed in raw. Epoch baseline = nothing loaded yet.';

-- Sweeps and erasures name the shop they ran on: a sweep of one shop says nothing about another.
ALTER TABLE staging.etl_sweeps ADD COLUMN shop text NOT NULL DEFAULT 'default';
DROP INDEX staging.etl_sweeps_entity;
CREATE INDEX etl_sweeps_shop_entity ON staging.etl_sweeps (shop, entity, finished_at);

ALTER TABLE staging.erasure_log ADD COLUMN shop text NOT NULL DEFAULT 'default';

-- The data health view gains the shop, and each shop's watermark is paired with that shop's last
-- sweep. A view's columns cannot be reordered in place: dropped and created again, with its grant.
DROP VIEW analytics.sync_status;
CREATE VIEW analytics.sync_status AS
SELECT
    w.shop,
    w.entity,
    w.cursor_field,
    -- The epoch is the watermark's "nothing loaded yet"; reference lists re-read whole keep it.
    CASE WHEN w.cursor_value > '1970-01-01' THEN w.cursor_value END AS synced_through,
    w.updated_at AS last_synced_at,
    w.run_id AS last_run_id,
    s.finished_at AS last_swept_at,
    s.listed_ids AS last_sweep_listed_ids,
    s.removed_ids AS last_sweep_removed_ids
FROM staging.etl_watermarks AS w
LEFT JOIN LATERAL (
    SELECT finished_at, listed_ids, removed_ids
    FROM staging.etl_sweeps
    WHERE shop = w.shop AND entity = w.entity
    ORDER BY finished_at DESC
    LIMIT 1
) AS s ON true;

COMMENT ON VIEW analytics.sync_status IS
    'Per shop and resource synced: the watermark (how far the sync read, shop-local time; NULL before the first sync), when it last moved, and the last delete sweep.';
COMMENT ON COLUMN analytics.sync_status.shop IS 'The installation (the shops file''s name; ''default'' for the single-shop variables).';
COMMENT ON COLUMN analytics.sync_status.entity IS 'The PrestaShop resource (orders, customers, ...).';
COMMENT ON COLUMN analytics.sync_status.cursor_field IS 'What the sync reads from: date_upd, date_add, or full_refresh for small reference lists.';
COMMENT ON COLUMN analytics.sync_status.synced_through IS 'The highest cursor value loaded (shop-local time); NULL before the first sync and for the reference lists read whole each time (cursor_field full_refresh).';
COMMENT ON COLUMN analytics.sync_status.last_synced_at IS 'When the watermark last moved (UTC).';
COMMENT ON COLUMN analytics.sync_status.last_run_id IS 'The Dagster run that moved it.';
COMMENT ON COLUMN analytics.sync_status.last_swept_at IS 'When the last delete sweep of this resource in this shop finished; NULL if never swept.';
COMMENT ON COLUMN analytics.sync_status.last_sweep_listed_ids IS 'Ids the shop listed in that sweep.';
COMMENT ON COLUMN analytics.sync_status.last_sweep_removed_ids IS 'Ids that sweep found deleted in the shop.';
GRANT SELECT ON analytics.sync_status TO phc_bi;
