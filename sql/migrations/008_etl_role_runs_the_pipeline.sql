-- The whole pipeline (ingestion, dbt build, materialized view refreshes) can run as phc_etl.
--
-- dbt creates the staging tables and the analytics materialized views, and later replaces,
-- re-indexes and refreshes them: all of that needs the object's OWNER (PostgreSQL has no
-- privilege for REFRESH MATERIALIZED VIEW before version 17). So the ETL role creates and owns
-- the dbt objects of both schemas: it gets CREATE on analytics too (004 gave it raw and
-- staging). The migrations' own objects (raw.*, staging.etl_watermarks, analytics.refresh_log)
-- stay with the admin that runs the migrations; phc_etl has DML on them (004).
--
-- BI stays read-only: SELECT on what phc_etl creates in analytics (default privileges FOR ROLE
-- phc_etl; 004's defaults only cover objects the admin creates), nothing in raw or staging.

-- ALTER DEFAULT PRIVILEGES FOR ROLE and ALTER ... OWNER TO need membership in phc_etl. A
-- superuser has it; a managed server's admin (CREATEROLE, e.g. Azure) grants it to itself.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'phc_etl', 'MEMBER') THEN
        EXECUTE format('GRANT phc_etl TO %I', current_user);
    END IF;
END
$$;

GRANT CREATE ON SCHEMA analytics TO phc_etl;
ALTER DEFAULT PRIVILEGES FOR ROLE phc_etl IN SCHEMA analytics GRANT SELECT ON TABLES TO phc_bi;
REVOKE ALL ON SCHEMA raw, staging FROM phc_bi;

-- The start-up check (every run compares the applied migrations with the files) reads the ledger.
GRANT SELECT ON public.schema_migrations TO phc_etl;

-- dbt objects an earlier deployment built as the admin: hand them to phc_etl, so a pipeline that
-- switches to the ETL role can still refresh and replace them. (Built from scratch as phc_etl,
-- they are its own already.)
DO $$
DECLARE
    obj record;
BEGIN
    FOR obj IN
        SELECT n.nspname, c.relname, c.relkind
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('staging', 'analytics')
          AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT (n.nspname = 'staging' AND c.relname = 'etl_watermarks')
          AND NOT (n.nspname = 'analytics' AND c.relname = 'refresh_log')
          AND pg_get_userbyid(c.relowner) <> 'phc_etl'
    LOOP
        EXECUTE format(
            'ALTER %s %I.%I OWNER TO phc_etl',
            CASE obj.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
            obj.nspname, obj.relname
        );
        IF obj.nspname = 'analytics' THEN
            EXECUTE format('GRANT SELECT ON %I.%I TO phc_bi', obj.nspname, obj.relname);
        END IF;
    END LOOP;
END
$$;
