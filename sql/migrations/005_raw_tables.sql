-- One table per PrestaShop resource. A row is one *version* of a source record: the payload
-- exactly as the Webservice sent it (jsonb), identified by (id, payload_hash), so loading the
-- same payload again adds nothing. cursor_value is the record's date_upd (date_add for
-- order_histories; NULL for reference resources that have no date). load_xid is the id of the
-- transaction that first wrote the row: downstream incremental models pick up rows by
-- transaction id rather than by clock, so a load that commits late is never skipped.

CREATE TABLE raw.orders (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX orders_load_xid ON raw.orders (load_xid);
CREATE INDEX orders_cursor ON raw.orders (cursor_value);
COMMENT ON TABLE raw.orders IS 'PrestaShop orders: every distinct payload version, cursor date_upd';

CREATE TABLE raw.customers (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX customers_load_xid ON raw.customers (load_xid);
CREATE INDEX customers_cursor ON raw.customers (cursor_value);
COMMENT ON TABLE raw.customers IS 'PrestaShop customers: every distinct payload version, cursor date_upd';

CREATE TABLE raw.products (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX products_load_xid ON raw.products (load_xid);
CREATE INDEX products_cursor ON raw.products (cursor_value);
COMMENT ON TABLE raw.products IS 'PrestaShop products: every distinct payload version, cursor date_upd';

CREATE TABLE raw.addresses (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX addresses_load_xid ON raw.addresses (load_xid);
CREATE INDEX addresses_cursor ON raw.addresses (cursor_value);
COMMENT ON TABLE raw.addresses IS 'PrestaShop addresses: every distinct payload version, cursor date_upd';

CREATE TABLE raw.categories (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX categories_load_xid ON raw.categories (load_xid);
CREATE INDEX categories_cursor ON raw.categories (cursor_value);
COMMENT ON TABLE raw.categories IS 'PrestaShop categories: every distinct payload version, cursor date_upd';

CREATE TABLE raw.order_histories (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX order_histories_load_xid ON raw.order_histories (load_xid);
CREATE INDEX order_histories_cursor ON raw.order_histories (cursor_value);
COMMENT ON TABLE raw.order_histories IS 'PrestaShop order_histories: every distinct payload version, cursor date_add';

CREATE TABLE raw.order_states (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX order_states_load_xid ON raw.order_states (load_xid);
COMMENT ON TABLE raw.order_states IS 'PrestaShop order_states: every distinct payload version, full refresh';

CREATE TABLE raw.countries (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX countries_load_xid ON raw.countries (load_xid);
COMMENT ON TABLE raw.countries IS 'PrestaShop countries: every distinct payload version, full refresh';

CREATE TABLE raw.zones (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX zones_load_xid ON raw.zones (load_xid);
COMMENT ON TABLE raw.zones IS 'PrestaShop zones: every distinct payload version, full refresh';

CREATE TABLE raw.currencies (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX currencies_load_xid ON raw.currencies (load_xid);
COMMENT ON TABLE raw.currencies IS 'PrestaShop currencies: every distinct payload version, full refresh';

CREATE TABLE raw.carriers (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX carriers_load_xid ON raw.carriers (load_xid);
COMMENT ON TABLE raw.carriers IS 'PrestaShop carriers: every distinct payload version, full refresh';

CREATE TABLE raw.configurations (
    id            bigint      NOT NULL,
    payload_hash  text        NOT NULL,
    cursor_value  timestamp,
    payload       jsonb       NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    run_id        text,
    load_xid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    PRIMARY KEY (id, payload_hash)
);
CREATE INDEX configurations_load_xid ON raw.configurations (load_xid);
COMMENT ON TABLE raw.configurations IS 'PrestaShop configurations: every distinct payload version, full refresh';
