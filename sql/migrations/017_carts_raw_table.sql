-- Carts (issue 15): every cart, ordered or not, with its rows; cursor date_upd.
CREATE TABLE raw.carts (
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
CREATE INDEX carts_load_xid ON raw.carts (load_xid);
CREATE INDEX carts_cursor ON raw.carts (cursor_value);
CREATE INDEX carts_run_id ON raw.carts (run_id);
CREATE INDEX carts_removed ON raw.carts (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.carts IS 'PrestaShop carts: every distinct payload version, cursor date_upd';

INSERT INTO staging.etl_watermarks (entity, cursor_field) VALUES ('carts', 'date_upd');
