-- The stores of a multistore installation (issue 17): shops (each store, its group, active) and
-- shop_groups (what a group's stores share). Read whole: no date column, a handful of rows.
CREATE TABLE raw.shops (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    removed_at    timestamp,
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX shops_load_xid ON raw.shops (load_xid);
CREATE INDEX shops_cursor ON raw.shops (cursor_value);
CREATE INDEX shops_run_id ON raw.shops (run_id);
CREATE INDEX shops_removed ON raw.shops (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.shops IS 'PrestaShop shops (the stores of a multistore installation): every distinct payload version, full refresh';

CREATE TABLE raw.shop_groups (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    removed_at    timestamp,
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX shop_groups_load_xid ON raw.shop_groups (load_xid);
CREATE INDEX shop_groups_cursor ON raw.shop_groups (cursor_value);
CREATE INDEX shop_groups_run_id ON raw.shop_groups (run_id);
CREATE INDEX shop_groups_removed ON raw.shop_groups (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.shop_groups IS 'PrestaShop shop groups (what their stores share): every distinct payload version, full refresh';

INSERT INTO staging.etl_watermarks (entity, cursor_field) VALUES
    ('shops',       'full_refresh'),
    ('shop_groups', 'full_refresh');
