-- The raw checks look at the versions of the latest load (by run id): index it.

CREATE INDEX orders_run_id ON raw.orders (run_id);
CREATE INDEX customers_run_id ON raw.customers (run_id);
CREATE INDEX products_run_id ON raw.products (run_id);
CREATE INDEX addresses_run_id ON raw.addresses (run_id);
CREATE INDEX categories_run_id ON raw.categories (run_id);
CREATE INDEX order_histories_run_id ON raw.order_histories (run_id);
CREATE INDEX order_states_run_id ON raw.order_states (run_id);
CREATE INDEX countries_run_id ON raw.countries (run_id);
CREATE INDEX zones_run_id ON raw.zones (run_id);
CREATE INDEX currencies_run_id ON raw.currencies (run_id);
CREATE INDEX carriers_run_id ON raw.carriers (run_id);
CREATE INDEX configurations_run_id ON raw.configurations (run_id);
