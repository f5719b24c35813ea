{{ config(indexes=[{'columns': ['date_day'], 'unique': True}]) }}

-- Carts and how many became orders, per day the cart was created.
--   carts            carts holding at least one product
--   ordered_carts    those an order was placed from (any state)
--   abandoned_carts  those with no order, idle (no change) for over var('abandoned_cart_idle_hours')
--                    as of the shop's latest activity (its latest order or cart change)
--   conversion_rate  ordered_carts / carts
-- Carts the shop later purged (pscleaner deletes old carts without an order; the delete sweep
-- marks them removed) still count on their day: they were abandoned then. A cart younger than
-- the idle threshold is neither ordered nor abandoned yet.
with as_of as (
    select greatest(
        (select max(order_created_at) from {{ ref('fct_orders') }}),
        (select max(updated_at) from {{ ref('stg_carts') }})
    ) as as_of_ts
),

ordered as (
    select distinct cart_id from {{ ref('stg_orders') }} where cart_id is not null
),

carts as (
    select
        c.cart_date,
        c.is_removed,
        o.cart_id is not null as is_ordered,
        o.cart_id is null
            and c.updated_at < a.as_of_ts - make_interval(hours => {{ var('abandoned_cart_idle_hours') }})
            as is_abandoned
    from {{ ref('stg_carts') }} as c
    cross join as_of as a
    left join ordered as o on o.cart_id = c.cart_id
    where c.products > 0 and c.cart_date is not null
)

select
    cart_date as date_day,
    count(*) as carts,
    count(*) filter (where is_ordered) as ordered_carts,
    count(*) filter (where is_abandoned) as abandoned_carts,
    count(*) filter (where is_removed) as removed_carts,
    count(*) filter (where is_ordered)::numeric / count(*) as conversion_rate
from carts
group by 1
