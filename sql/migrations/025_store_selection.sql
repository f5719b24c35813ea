-- Store subsets (issue 17): the stores each installation reports, from the shops file's
-- `stores:` (transform/store_selection.py writes it before each dbt build; no row: every store),
-- and the selection each layer was last built with (post-hooks of stg_orders and fct_orders).
-- A layer whose built selection differs from the file's is rebuilt whole once
-- (transform/changes.py): a changed selection changes rows no incremental build revisits.
CREATE TABLE staging.store_selection (
    shop   text PRIMARY KEY,
    stores int[] NOT NULL
);
CREATE TABLE staging.built_store_selection (
    layer  text NOT NULL,
    shop   text NOT NULL,
    stores int[] NOT NULL,
    PRIMARY KEY (layer, shop)
);
GRANT SELECT, INSERT, DELETE ON staging.store_selection, staging.built_store_selection TO phc_etl;
