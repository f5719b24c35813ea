{#- Overrides dbt-postgres's plain `refresh materialized view` (which takes an ACCESS EXCLUSIVE
    lock: every BI query on the view waits for the whole refresh, and the refresh waits for every
    open reader). CONCURRENTLY only takes an EXCLUSIVE lock, which does not conflict with
    SELECT. PostgreSQL allows it when the view is populated and has a UNIQUE index on plain
    columns without a WHERE clause; every mart declares one, but a view that does not qualify
    falls back to a plain refresh instead of failing.

    Each refresh appends a row to analytics.refresh_log in the same transaction (so the log never
    claims a refresh that rolled back). run_id comes from the `phc.run_id` setting, which the
    Dagster resource passes through PGOPTIONS; NULL when dbt runs by hand. -#}
{% macro postgres__refresh_materialized_view(relation) %}
    {%- set concurrently = phc_can_refresh_concurrently(relation) -%}
    select set_config('phc.refresh_started_at', clock_timestamp()::text, true);
    refresh materialized view {{ 'concurrently ' if concurrently }}{{ relation }};
    insert into analytics.refresh_log (view_name, started_at, finished_at, row_count, ran_concurrently, run_id)
    select
        '{{ relation.schema }}.{{ relation.identifier }}',
        current_setting('phc.refresh_started_at')::timestamptz,
        clock_timestamp(),
        (select count(*) from {{ relation }}),
        {{ 'true' if concurrently else 'false' }},
        nullif(current_setting('phc.run_id', true), '')
{% endmacro %}


{% macro phc_can_refresh_concurrently(relation) %}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set check -%}
        select
            mv.ispopulated
            and exists (
                select 1
                from pg_index as i
                where i.indrelid = format('%I.%I', mv.schemaname, mv.matviewname)::regclass
                  and i.indisunique
                  and i.indpred is null
                  and 0 <> all (i.indkey::int2[])
            ) as ok
        from pg_matviews as mv
        where mv.schemaname = '{{ relation.schema }}' and mv.matviewname = '{{ relation.identifier }}'
    {%- endset -%}
    {%- set result = run_query(check) -%}
    {{ return(result.rows | length > 0 and result.rows[0][0]) }}
{% endmacro %}
