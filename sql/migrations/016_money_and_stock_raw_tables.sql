-- Credit slips (refunds), payments and stock (issue 15), shaped like every raw table (005, 015).
CREATE TABLE raw.order_slip (
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
CREATE INDEX order_slip_load_xid ON raw.order_slip (load_xid);
CREATE INDEX order_slip_cursor ON raw.order_slip (cursor_value);
CREATE INDEX order_slip_run_id ON raw.order_slip (run_id);
CREATE INDEX order_slip_removed ON raw.order_slip (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.order_slip IS 'PrestaShop order_slip (credit slips): every distinct payload version, cursor date_upd';

CREATE TABLE raw.order_payments (
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
CREATE INDEX order_payments_load_xid ON raw.order_payments (load_xid);
CREATE INDEX order_payments_cursor ON raw.order_payments (cursor_value);
CREATE INDEX order_payments_run_id ON raw.order_payments (run_id);
CREATE INDEX order_payments_removed ON raw.order_payments (id) WHERE removed_at IS NOT NULL;
-- Erasure blanks the card holder of an erased customer's payments, found by order reference.
CREATE INDEX order_payments_reference ON raw.order_payments ((payload ->> 'order_reference'));
COMMENT ON TABLE raw.order_payments IS 'PrestaShop order_payments: every distinct payload version, cursor date_add';

-- Stock has no date column: read whole each sync (one row per product and combination).
CREATE TABLE raw.stock_availables (
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
CREATE INDEX stock_availables_load_xid ON raw.stock_availables (load_xid);
CREATE INDEX stock_availables_run_id ON raw.stock_availables (run_id);
CREATE INDEX stock_availables_removed ON raw.stock_availables (id) WHERE removed_at IS NOT NULL;
COMMENT ON TABLE raw.stock_availables IS 'PrestaShop stock_availables: every distinct payload version, full refresh';

INSERT INTO staging.etl_watermarks (entity, cursor_field) VALUES
    ('order_slip',       'date_upd'),
    ('order_payments',   'date_add'),
    ('stock_availables', 'full_refresh');
