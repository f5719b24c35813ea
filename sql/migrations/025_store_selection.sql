-- Store subsets (issue 17): the stores each installation reports, from the shops file's
-- `stores:` (transform/store_selection.py writes it before each dbt build; no row: every store),
-- and the selection each model that depends on it was last built with (post-hooks: the staging
-- models that filter by store, and the incremental marts). A model whose built selection differs
-- from the file's is rebuilt whole once (transform/store_selection.py): a changed selection
-- changes rows no incremental build revisits. No row: built reporting every store.
CREATE TABLE staging.store_selection (
    shop   text PRIMARY KEY,
    stores int[] NOT NULL
);
CREATE TABLE staging.built_store_selection (
    model  text NOT NULL,
    shop   text NOT NULL,
    stores int[] NOT NULL,
    PRIMARY KEY (model, shop)
);
GRANT SELECT, INSERT, DELETE ON staging.store_selection, staging.built_store_selection TO phc_etl;
