{{ config(indexes=[{'columns': ['date_day', 'shop'], 'unique': True}]) }}

-- Revenue net of refunds, per day and shop, with the gross figure beside it. Refunds are credit
-- slips dated on their own day (a refund changes neither the order's totals nor its date),
-- valued as the products they refund, tax excluded, in the reporting currency (the slip's own
-- rate to its store's currency, then that currency's rate of the slip's day): the terms of
-- fct_orders.net_revenue.
--
-- A full refund puts the order in the Refunded state, which is not logable: the order already
-- left net_revenue. Only the slips of orders still valid (partial refunds) come off it, so no
-- refund is counted twice. refunded_amount counts every slip, for the refund rate.
with installations as (
    -- Each installation's default currency (its global PS_CURRENCY_DEFAULT): one probe per shop.
    select s.shop, {{ default_currency_id('s.shop') }} as currency_id
    from ({{ warehouse_shops() }}) as s
),

slips as (
    select
        s.slip_date,
        s.shop,
        s.order_id,
        {{ to_reporting('s.refunded_products_net', 's.shop', 'sc.iso_code', 's.slip_date') }} as refunded_products_net,
        coalesce(o.is_valid, false) as order_is_valid
    from {{ ref('stg_order_slips') }} as s
    left join {{ ref('fct_orders') }} as o on o.order_id = s.order_id and o.shop = s.shop
    left join {{ ref('int_store_settings') }} as st on st.shop = o.shop and st.shop_id = o.shop_id
    left join installations as i on i.shop = s.shop
    -- The store's default currency: its own configuration, else the installation's (as the
    -- order's own amounts, order_context).
    left join {{ ref('stg_currencies') }} as sc
      on sc.shop = s.shop and sc.currency_id = coalesce(st.currency_id, i.currency_id)
    where not s.is_removed and s.slip_date is not null
      -- Only the slips of reported orders where the shops file chooses stores.
      and {{ child_counts('s.shop', 'o.order_id is not null') }}
),

refunds as (
    select
        slip_date as date_day,
        shop,
        count(*) as slips,
        count(distinct order_id) as refunded_orders,
        sum(refunded_products_net) as refunded_amount,
        coalesce(sum(refunded_products_net) filter (where order_is_valid), 0) as partial_refunds
    from slips
    group by 1, 2
),

sales as (
    select date_day, shop, sum(orders) as orders, sum(net_revenue) as net_revenue
    from {{ ref('agg_sales_daily') }}
    group by 1, 2
)

select
    coalesce(s.date_day, r.date_day) as date_day,
    coalesce(s.shop, r.shop) as shop,
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
full join refunds as r on r.date_day = s.date_day and r.shop = s.shop
