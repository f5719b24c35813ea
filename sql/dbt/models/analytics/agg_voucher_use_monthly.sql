{#- Incremental (macros/incremental_marts.sql, row_diff): a build recomputes the months with an
    order written or deleted in fct_orders since its last build, the months of the orders whose
    applied rules were staged since, and the months of a rule renamed or given a new code. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='month_start',
    row_key=['month_start', 'cart_rule_id', 'shop'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('month_start', affected_voucher_months(mart_watermark()), key_type='date', reads_fact='fct_orders', reads_staged=['stg_order_cart_rules']) }}",
    post_hook="{{ end_incremental_mart('month_start') }}",
    indexes=[{'columns': ['month_start', 'cart_rule_id', 'shop'], 'unique': True}],
) }}

-- Voucher use per month (of the order), shop and cart rule (an installation's own id): how many
-- valid orders used it and what it cost, tax excluded, in the reporting currency (the applied
-- value / the order's reporting_rate, as fct_orders converts its amounts). A discount the
-- merchant removed from the order (deleted) does not count. orders_in_month beside it gives the
-- share of the shop's orders of the month with that voucher.
with applied as (
    select
        o.month_start,
        o.shop,
        r.cart_rule_id,
        r.order_id,
        r.value_tax_excl / o.reporting_rate as cost
    from {{ ref('stg_order_cart_rules') }} as r
    join {{ ref('fct_orders') }} as o on o.order_id = r.order_id and o.shop = r.shop
    where not r.is_deleted and o.is_valid and r.cart_rule_id is not null
    {%- if is_incremental() %}
      and (o.month_start, o.shop) in ({{ affected_keys() }})
      and o.order_date >= (select min(key) from phc_affected_keys)
    {%- endif %}
),

months as (
    select month_start, shop, count(*) as orders_in_month
    from {{ ref('fct_orders') }}
    where is_valid and (month_start, shop) in (select month_start, shop from applied)
    {%- if is_incremental() %}
      and order_date >= (select min(key) from phc_affected_keys)
    {%- endif %}
    group by 1, 2
)

select
    a.month_start,
    a.shop,
    a.cart_rule_id,
    coalesce(max(c.cart_rule_name), 'cart rule ' || a.cart_rule_id) as cart_rule_name,
    max(c.code) as code,
    count(distinct a.order_id) as orders_with_voucher,
    m.orders_in_month,
    count(distinct a.order_id)::numeric / nullif(m.orders_in_month, 0) as share_of_orders,
    sum(a.cost) as discount_cost,
    {{ reporting_currency() }} as currency
from applied as a
join months as m on m.month_start = a.month_start and m.shop = a.shop
left join {{ ref('stg_cart_rules') }} as c on c.cart_rule_id = a.cart_rule_id and c.shop = a.shop
group by a.month_start, a.shop, a.cart_rule_id, m.orders_in_month
