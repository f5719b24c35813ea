{#- Incremental (macros/incremental_marts.sql, row_diff): a build recomputes the order
    references of the orders and payments staged since its last build, and writes only the rows
    that differ (a reference whose books now agree leaves the list). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='order_reference',
    row_key=['order_reference', 'shop'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('order_reference', affected_payment_references(mart_watermark()), key_type='text', reads_staged=['stg_orders', 'stg_order_payments']) }}",
    post_hook="{{ end_incremental_mart('order_reference') }}",
    indexes=[{'columns': ['order_reference', 'shop'], 'unique': True}],
) }}

-- Orders whose payments do not add up to what PrestaShop says was paid (total_paid_real), per
-- order reference and shop: one reference covers every order of a split cart, and payments name
-- the reference, not the order (references are an installation's own: two shops can share one).
-- Amounts in the order currency, compared to the cent. An order with no payment and nothing paid
-- is not listed. Empty when the books agree.
with orders as (
    select
        reference as order_reference,
        shop,
        count(*) as orders,
        min(order_id) as first_order_id,
        sum(coalesce(total_paid_real, 0)) as total_paid_real
    from {{ ref('stg_orders') }}
    where reference is not null and not is_removed
    {%- if is_incremental() %}
      and (reference, shop) in ({{ affected_keys() }})
    {%- endif %}
    group by 1, 2
),

payments as (
    select order_reference, shop, count(*) as payments, sum(amount) as payments_amount
    from {{ ref('stg_order_payments') }} as pay
    where not is_removed
      -- Only the payments of reported orders where the shops file chooses stores.
      and {{ payment_counts('pay') }}
    {%- if is_incremental() %}
      and (order_reference, shop) in ({{ affected_keys() }})
    {%- endif %}
    group by 1, 2
)

select
    coalesce(o.order_reference, p.order_reference) as order_reference,
    coalesce(o.shop, p.shop) as shop,
    o.first_order_id,
    coalesce(o.orders, 0) as orders,
    coalesce(o.total_paid_real, 0) as total_paid_real,
    coalesce(p.payments, 0) as payments,
    coalesce(p.payments_amount, 0) as payments_amount,
    coalesce(p.payments_amount, 0) - coalesce(o.total_paid_real, 0) as difference,
    case
        when o.order_reference is null then 'payment without an order'
        when p.order_reference is null then 'paid without a payment'
        when p.payments_amount > o.total_paid_real then 'payments exceed total_paid_real'
        else 'payments short of total_paid_real'
    end as reason
from orders as o
full join payments as p on p.order_reference = o.order_reference and p.shop = o.shop
where abs(coalesce(p.payments_amount, 0) - coalesce(o.total_paid_real, 0)) > 0.01
