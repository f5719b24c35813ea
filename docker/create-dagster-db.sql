-- Dagster's own storage lives beside the warehouse, in a database of its own.
CREATE DATABASE phc_dagster;
