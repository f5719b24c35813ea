{{ config(indexes=[{'columns': ['date_day'], 'unique': True}]) }}

-- Revenue net of refunds, per day, with the gross figure beside it. Refunds are credit slips
-- dated on their own day (a refund changes neither the order's totals nor its date), valued as
-- the products they refund, tax excluded, in the reporting currency (the slip's own rate to
-- its store's currency, then that currency's rate of the slip's day): the terms of
-- fct_orders.net_revenue.
--
-- A full refund puts the order in the Refunded state, which is not logable: the order already
-- left net_revenue. Only the slips of orders still valid (partial refunds) come off it, so no
-- refund is counted twice. refunded_amount counts every slip, for the refund rate.
with slips as (
    select
        s.slip_date,
        s.order_id,
        {{ to_reporting('s.refunded_products_net', 'coalesce(st.currency_id, ' ~ default_currency_id() ~ ')', 's.slip_date') }} as refunded_products_net,
        coalesce(o.is_valid, false) as order_is_valid
    from {{ ref('stg_order_slips') }} as s
    left join {{ ref('fct_orders') }} as o on o.order_id = s.order_id
    left join {{ ref('int_store_settings') }} as st on st.shop_id = o.shop_id
    where not s.is_removed and s.slip_date is not null
),

refunds as (
    select
        slip_date as date_day,
        count(*) as slips,
        count(distinct order_id) as refunded_orders,
        sum(refunded_products_net) as refunded_amount,
        coalesce(sum(refunded_products_net) filter (where order_is_valid), 0) as partial_refunds
    from slips
    group by 1
),

sales as (
    select date_day, sum(orders) as orders, sum(net_revenue) as net_revenue
    from {{ ref('agg_sales_daily') }}
    group by 1
)

select
    coalesce(s.date_day, r.date_day) as date_day,
    coalesce(s.orders, 0) as orders,
    coalesce(s.net_revenue, 0) as net_revenue,
    coalesce(r.slips, 0) as slips,
    coalesce(r.refunded_orders, 0) as refunded_orders,
    coalesce(r.refunded_amount, 0) as refunded_amount,
    coalesce(r.partial_refunds, 0) as partial_refunds,
    coalesce(s.net_revenue, 0) - coalesce(r.partial_refunds, 0) as net_revenue_after_refunds,
    coalesce(r.refunded_amount, 0) / nullif(s.net_revenue, 0) as refund_rate,
    {{ reporting_currency() }} as currency
from sales as s
full join refunds as r on r.date_day = s.date_day
