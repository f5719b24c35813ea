-- One row per materialized view refresh, written by the dbt refresh macro.
CREATE TABLE analytics.refresh_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    view_name     text        NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    row_count     bigint,
    ran_concurrently boolean  NOT NULL,
    run_id        text
);

CREATE INDEX refresh_log_view_started ON analytics.refresh_log (view_name, started_at DESC);
