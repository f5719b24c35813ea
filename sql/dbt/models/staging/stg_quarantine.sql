{#- The records staging left out, with the reason (macros/quarantine.sql): one row per
    (entity, record_id, shop), for the latest raw version of every order, customer and product id that
    is in raw but not in its staging table and fails a quarantine rule.

    Rebuilt whole on every build (the pre-hook empties it, the insert refills it, in one
    transaction): a record leaves quarantine as soon as a good version of it is staged. Still an
    incremental table, never a plain one: analytics.quarantined_records reads it, and rebuilding
    a table would drop that materialized view (DROP ... CASCADE). The cost is an anti-join of
    raw ids against the staging keys (index scans), then the rules on the few ids left.

    An id missing from staging with no reason is NOT listed: that is a lost row, and
    matches_raw_ids (ERROR) stops the marts. -#}
{{ config(
    incremental_strategy='append',
    indexes=[{'columns': ['entity', 'record_id', 'shop'], 'unique': True}],
    pre_hook="{% if is_incremental() %}delete from {{ this }}{% endif %}",
) }}

{%- set entities = [
    ('orders', 'stg_orders', 'order_id'),
    ('customers', 'stg_customers', 'customer_id'),
    ('products', 'stg_products', 'product_id'),
] %}

{% for entity, model, key in entities %}
{%- if not loop.first %}
union all
{% endif -%}
{%- set versions -%}
(
    select distinct on (r.id, r.shop)
        r.id, r.shop, r.payload, r.payload_hash, r.run_id, r.first_seen_at, r.cursor_value
    from {{ source('prestashop', entity) }} as r
    where not exists (select 1 from {{ ref(model) }} as s where s.{{ key }} = r.id and s.shop = r.shop)
    order by r.id, r.shop, r.cursor_value desc nulls last, r.first_seen_at desc, r.load_xid desc
)
{%- endset %}
select
    '{{ entity }}'::text as entity,
    c.id as record_id,
    c.shop,
    c.quarantine_reason as reason,
    c.payload_hash,
    c.run_id as raw_run_id,
    c.first_seen_at,
    c.cursor_value
from ({{ checked_payloads(entity, versions) }}) as c
where c.quarantine_reason is not null
{% endfor %}
