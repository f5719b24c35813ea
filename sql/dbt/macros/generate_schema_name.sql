{#- Exact schema names: a model configured with schema 'staging' lands in `staging`, not in
    `<target schema>_staging` as dbt does by default. The migrations create the schemas and the
    roles' grants are written against these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
