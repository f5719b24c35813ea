{#- Post-hook of every analytics model: its description and each documented column's, as
    PostgreSQL comments, so a BI tool shows them. dbt-postgres's persist_docs skips
    materialized views (it finds columns through information_schema, which lists none for
    them), hence this. A documented column the model lacks fails the build: the yml and the SQL
    must agree. -#}
{%- macro comment_relation() -%}
{%- set kind = {'materialized_view': 'materialized view', 'view': 'view'}.get(config.get('materialized'), 'table') -%}
{%- if model.description %}
comment on {{ kind }} {{ this }} is {{ postgres_escape_comment(model.description | trim) }};
{%- endif %}
{%- for name, column in model.columns.items() if column.description %}
comment on column {{ this }}.{{ adapter.quote(name) }} is {{ postgres_escape_comment(column.description | trim) }};
{%- endfor %}
{%- endmacro -%}
