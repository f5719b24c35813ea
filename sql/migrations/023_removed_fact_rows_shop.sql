-- The marts keep installations apart (issue 17): a fact row's key is (id, shop), so the log of
-- deleted fact rows names the shop whose aggregates must recompute the row's old groups. Rows
-- logged before this migration were written by a single-shop warehouse: shop 'default'. A
-- constant default adds the column without rewriting the table.
ALTER TABLE staging.removed_fact_rows ADD COLUMN shop text NOT NULL DEFAULT 'default';
