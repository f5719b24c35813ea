{#- Post-hooks of dim_customer, the one mart with personal data (email, names).

    bi_pii_privileges: whether the BI role reads it, by PHC_BI_PII (phc_analytics/warehouse/
    pii.py applies the same rule when the mode changes without a rebuild). `masked`, the default,
    revokes phc_bi's SELECT, and BI tools read dim_customer_masked; `full` grants it. A rebuilt
    relation gets the schema's default privileges (SELECT for phc_bi), so the rule is applied
    after every build, in the build's own transaction: no reader sees the new relation with the
    default grant. -#}
{%- macro bi_pii_privileges() -%}
{%- set mode = env_var('PHC_BI_PII', 'masked') | trim | lower or 'masked' -%}
{%- if mode == 'full' -%}
grant select on {{ this }} to phc_bi
{%- elif mode == 'masked' -%}
revoke select on {{ this }} from phc_bi
{%- else -%}
{{ exceptions.raise_compiler_error("PHC_BI_PII=" ~ mode ~ " is not a mode: use full or masked") }}
{%- endif -%}
{%- endmacro -%}


{#- masked_customer_view: analytics.dim_customer_masked, dim_customer without the personal data,
    same columns, so a report switches by the table's name alone:
    - email: the SHA-256 of the trimmed, lower-cased address, hex. Equal addresses still match (to
      count or join on), and the address cannot be read back without guessing it; an erased
      (blank) address stays NULL rather than the hash of the empty string;
    - firstname, lastname: the initial only.
    A plain view (nothing to refresh; its owner's rights let phc_bi read through it), created here
    rather than as a dbt model: replacing the materialized view dim_customer drops its dependent
    views (DROP ... CASCADE), which dbt's relation cache does not see for materialized views, so a
    dbt view model would fail its next build. Created when missing: a refresh keeps it, a
    replacement drops it with the old relation, after dbt's transaction, and this hook (which
    runs after that transaction) recreates it from dim_customer's columns as they now are; for
    that moment of a full refresh it is missing. Its comments come from dim_customer's yml. -#}
{%- macro masked_customer_view() -%}
{%- set masked = adapter.quote(this.schema) ~ '.' ~ adapter.quote('dim_customer_masked') -%}
{%- set pii = {
    'email': "the SHA-256 of the trimmed, lower-cased email address, hex (64 characters): equal addresses match, the address cannot be read back. NULL when there is none or it was erased.",
    'firstname': "The first name's initial only.",
    'lastname': "The last name's initial only.",
} -%}
do $phc$
declare
    select_list text;
begin
    if to_regclass('{{ masked }}') is not null then
        return;
    end if;
    select string_agg(
               case a.attname
                   when 'email' then $e$encode(sha256(convert_to(lower(nullif(btrim(email), '')), 'UTF8')), 'hex') as email$e$
                   when 'firstname' then $e$nullif(left(btrim(firstname), 1), '') as firstname$e$
                   when 'lastname' then $e$nullif(left(btrim(lastname), 1), '') as lastname$e$
                   else quote_ident(a.attname)
               end, ', ' order by a.attnum)
      into select_list
      from pg_attribute as a
     where a.attrelid = '{{ this }}'::regclass and a.attnum > 0 and not a.attisdropped;
    execute format('create view {{ masked }} as select %s from {{ this }}', select_list);
    execute 'grant select on {{ masked }} to phc_bi';
end
$phc$;
comment on view {{ masked }} is {{ postgres_escape_comment("dim_customer without personal data, for BI tools when PHC_BI_PII=masked (the default: the phc_bi role then cannot read dim_customer). Same grain and columns, with the email hashed (SHA-256) and names cut to their initials. A view: always as fresh as dim_customer.") }};
{%- for name, column in model.columns.items() if column.description %}
comment on column {{ masked }}.{{ adapter.quote(name) }} is {{ postgres_escape_comment(pii.get(name, column.description | trim)) }};
{%- endfor %}
{%- endmacro -%}
