"""dbt on Dagster: the staging tables and the analytics materialized views (sql/dbt/)."""
