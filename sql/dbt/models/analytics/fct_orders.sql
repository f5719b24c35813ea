{#- Incremental (macros/incremental_marts.sql): a build rewrites the changed orders and every
    order of their customers, whose new_vs_returning depends on each other. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='order_id',
    row_key=['order_id', 'shop'],
    removed_columns=['shop', 'order_id', 'customer_id', 'month_start', 'order_date', 'country_id', 'sales_channel_key'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('order_id', affected_orders_by_customer(mart_watermark())) }}",
    post_hook=[
        "{{ end_incremental_mart('order_id') }}",
        "{{ record_currency_pairs() }}",
    ],
    indexes=[
    {'columns': ['order_id', 'shop'], 'unique': True},
    {'columns': ['order_date']},
    {'columns': ['shop', 'order_date']},
    {'columns': ['customer_id']},
    {'columns': ['status_group']},
    {'columns': ['_mart_xid']},
]) }}

with lines as (
    select order_id, shop, count(*) as line_count, sum(quantity) as quantity
    from {{ ref('stg_order_rows') }}
    {%- if is_incremental() %}
    where (order_id, shop) in ({{ affected_keys() }})
    {%- endif %}
    group by order_id, shop
)

select
    o.order_id,
    o.shop,
    o.reference,
    o.customer_id,
    o.order_created_at,
    o.order_date,
    o.month_start,
    o.invoice_date,
    o.address_delivery_id,
    o.address_invoice_id,
    o.country_id,
    o.zone_id,
    o.sales_channel_key,
    o.shop_id,
    o.currency_id,
    o.order_currency,
    o.conversion_rate,
    o.reporting_rate,
    o.current_state_id,
    o.status_group,
    o.is_valid,
    o.paid_at is not null as is_paid,
    o.shipped_at is not null as is_shipped,
    o.delivered_at is not null as is_delivered,
    o.cancelled_at is not null as is_cancelled,
    o.refunded_at is not null as is_refunded,
    o.paid_at,
    o.shipped_at,
    o.delivered_at,
    o.cancelled_at,
    o.refunded_at,
    extract(epoch from o.shipped_at - o.order_created_at) / 86400.0 as days_to_ship,
    extract(epoch from o.delivered_at - o.order_created_at) / 86400.0 as days_to_deliver,
    o.products_tax_excl,
    o.products_tax_incl,
    o.discounts_tax_excl,
    o.discounts_tax_incl,
    o.shipping_tax_excl,
    o.shipping_tax_incl,
    o.wrapping_tax_excl,
    o.paid_tax_excl,
    o.paid_tax_incl,
    o.net_revenue,
    o.net_revenue_order_currency,
    o.paid_tax_incl_order_currency,
    {{ reporting_currency() }} as currency,
    coalesce(l.line_count, 0) as line_count,
    coalesce(l.quantity, 0) as quantity,
    o.customer_order_seq,
    case when o.customer_order_seq = 1 then 'new'
         when o.customer_order_seq > 1 then 'returning' end as new_vs_returning,
    -- The transaction that wrote the row: the aggregates over this fact recompute the groups of
    -- the rows written since their own last build (changed_fact_keys).
    {{ staged_xid() }} as _mart_xid
from ({{ order_context(affected_keys()) }}) as o
left join lines as l on l.order_id = o.order_id and l.shop = o.shop
