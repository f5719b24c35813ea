-- The three warehouse layers. raw: source payloads as received; staging: typed, one row
-- per id (built by dbt); analytics: materialized views for BI (built by dbt).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS analytics;
