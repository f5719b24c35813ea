-- Deletes and erasure (issue 15).
--
-- A record the shop no longer lists gets a tombstone: one more version in its raw table, the
-- last payload seen plus a "_phc_removed_at" key, with removed_at set to when the sweep found it
-- missing (warehouse clock, UTC). Staging reads it as the latest version and marks the row
-- removed; earlier versions stay, as every version does. Adding a NULL column rewrites nothing,
-- and the partial indexes find the few tombstoned ids without reading the table.
ALTER TABLE raw.orders ADD COLUMN removed_at timestamp;
CREATE INDEX orders_removed ON raw.orders (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.customers ADD COLUMN removed_at timestamp;
CREATE INDEX customers_removed ON raw.customers (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.products ADD COLUMN removed_at timestamp;
CREATE INDEX products_removed ON raw.products (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.addresses ADD COLUMN removed_at timestamp;
CREATE INDEX addresses_removed ON raw.addresses (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.categories ADD COLUMN removed_at timestamp;
CREATE INDEX categories_removed ON raw.categories (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.order_histories ADD COLUMN removed_at timestamp;
CREATE INDEX order_histories_removed ON raw.order_histories (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.order_states ADD COLUMN removed_at timestamp;
CREATE INDEX order_states_removed ON raw.order_states (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.countries ADD COLUMN removed_at timestamp;
CREATE INDEX countries_removed ON raw.countries (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.zones ADD COLUMN removed_at timestamp;
CREATE INDEX zones_removed ON raw.zones (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.currencies ADD COLUMN removed_at timestamp;
CREATE INDEX currencies_removed ON raw.currencies (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.carriers ADD COLUMN removed_at timestamp;
CREATE INDEX carriers_removed ON raw.carriers (id) WHERE removed_at IS NOT NULL;
ALTER TABLE raw.configurations ADD COLUMN removed_at timestamp;
CREATE INDEX configurations_removed ON raw.configurations (id) WHERE removed_at IS NOT NULL;

-- One row per sweep of one resource: what it listed and what it concluded. A sweep that failed
-- partway writes nothing here and nothing in raw.
CREATE TABLE staging.etl_sweeps (
    sweep_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        text        NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL DEFAULT now(),
    listed_ids    bigint      NOT NULL,
    removed_ids   bigint      NOT NULL,
    reappeared_ids bigint     NOT NULL,
    requests      integer     NOT NULL,
    run_id        text
);
CREATE INDEX etl_sweeps_entity ON staging.etl_sweeps (entity, finished_at);
COMMENT ON TABLE staging.etl_sweeps IS
    'Delete sweeps: per resource, ids the shop listed, ids found removed (tombstoned in raw), ids back after a tombstone.';

-- Personal data removed from the warehouse after its customer was deleted in the shop. Holds
-- no personal data itself: the customer id, when, why, and how many rows of which tables.
CREATE TABLE staging.erasure_log (
    erasure_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint      NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    reason      text        NOT NULL,
    tables      jsonb       NOT NULL,
    run_id      text
);
CREATE INDEX erasure_log_customer ON staging.erasure_log (customer_id);
COMMENT ON TABLE staging.erasure_log IS
    'GDPR erasures: customer id, when, why (removed from the shop or soft-deleted) and rows scrubbed per table. No personal data.';

-- Erasure finds the customers to erase among the removed ones (above) and the soft-deleted
-- ones, and their addresses by customer id, without reading the whole tables.
CREATE INDEX customers_soft_deleted ON raw.customers (id) WHERE (payload ->> 'deleted') = '1';
CREATE INDEX addresses_customer ON raw.addresses ((payload ->> 'id_customer'));
