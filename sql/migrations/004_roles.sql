-- Least-privilege roles. Roles belong to the whole server, so they are created only when
-- missing; the grants are per database. Passwords are never written here: `phc-analytics
-- migrate` sets them from PHC_ETL_PASSWORD / PHC_BI_PASSWORD when those are set.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'phc_etl') THEN
        CREATE ROLE phc_etl LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'phc_bi') THEN
        CREATE ROLE phc_bi LOGIN;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL;  -- created by a concurrent migration of another database on the same server
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO phc_etl, phc_bi', current_database());
END
$$;

-- ETL: reads and writes every layer, creates objects in raw and staging only.
GRANT USAGE ON SCHEMA raw, staging, analytics TO phc_etl;
GRANT CREATE ON SCHEMA raw, staging TO phc_etl;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA raw, staging, analytics TO phc_etl;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA raw, staging, analytics TO phc_etl;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw, staging, analytics
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO phc_etl;
ALTER DEFAULT PRIVILEGES IN SCHEMA raw, staging, analytics
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO phc_etl;

-- BI: reads analytics, nothing else.
REVOKE ALL ON SCHEMA raw, staging FROM phc_bi;
GRANT USAGE ON SCHEMA analytics TO phc_bi;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO phc_bi;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO phc_bi;
