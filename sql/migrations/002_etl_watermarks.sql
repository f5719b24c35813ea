-- The highest source cursor value (shop-local time, PrestaShop has no offsets) that is
-- committed in raw, per entity. It moves in the same transaction as the raw rows it covers,
-- so it can never run ahead of the data.
CREATE TABLE staging.etl_watermarks (
    entity       text        PRIMARY KEY,
    cursor_field text        NOT NULL,
    cursor_value timestamp   NOT NULL DEFAULT '1970-01-01 00:00:00',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    run_id       text
);

COMMENT ON TABLE staging.etl_watermarks IS
    'Per entity: the highest cursor value committed in raw. Epoch baseline = nothing loaded yet.';

INSERT INTO staging.etl_watermarks (entity, cursor_field) VALUES
    ('orders',          'date_upd'),
    ('customers',       'date_upd'),
    ('products',        'date_upd'),
    ('addresses',       'date_upd'),
    ('categories',      'date_upd'),
    ('order_histories', 'date_add'),
    ('order_states',    'full_refresh'),
    ('countries',       'full_refresh'),
    ('zones',           'full_refresh'),
    ('currencies',      'full_refresh'),
    ('carriers',        'full_refresh'),
    ('configurations',  'full_refresh');
