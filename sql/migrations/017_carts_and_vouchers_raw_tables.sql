-- Carts and vouchers (issue 15): every cart, ordered or not, with its rows (cursor date_upd);
-- cart rules (cursor date_upd); the cart rules applied to each order (no date: full refresh).
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


CREATE TABLE raw.cart_rules (
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
CREATE INDEX cart_rules_load_xid ON raw.cart_rules (load_xid);
CREATE INDEX cart_rules_cursor ON raw.cart_rules (cursor_value);
CREATE INDEX cart_rules_run_id ON raw.cart_rules (run_id);
CREATE INDEX cart_rules_removed ON raw.cart_rules (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.cart_rules IS 'PrestaShop cart_rules: every distinct payload version, cursor date_upd';

CREATE TABLE raw.order_cart_rules (
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
CREATE INDEX order_cart_rules_load_xid ON raw.order_cart_rules (load_xid);
CREATE INDEX order_cart_rules_cursor ON raw.order_cart_rules (cursor_value);
CREATE INDEX order_cart_rules_run_id ON raw.order_cart_rules (run_id);
CREATE INDEX order_cart_rules_removed ON raw.order_cart_rules (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.order_cart_rules IS 'PrestaShop order_cart_rules: every distinct payload version, full refresh';

INSERT INTO staging.etl_watermarks (entity, cursor_field) VALUES
    ('carts',            'date_upd'),
    ('cart_rules',       'date_upd'),
    ('order_cart_rules', 'full_refresh');
