{#- Incremental (macros/incremental_marts.sql, row_diff): a build recomputes the days of the carts
    and orders staged since its last build, and the days whose carts' verdict the shop's clock
    can still change (affected_cart_days), and writes only the rows that differ. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='date_day',
    row_key=['date_day', 'shop'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('date_day', affected_cart_days(mart_watermark()), key_type='date', reads_staged=['stg_carts', 'stg_orders']) }}",
    post_hook="{{ end_incremental_mart('date_day') }}",
    indexes=[{'columns': ['date_day', 'shop'], 'unique': True}],
) }}

-- Carts and how many became orders, per day the cart was created and shop.
--   carts            carts holding at least one product
--   ordered_carts    those an order was placed from (any state)
--   abandoned_carts  those with no order, idle (no change) for over var('abandoned_cart_idle_hours')
--                    as of the shop's latest activity (its latest order or cart change)
--   conversion_rate  ordered_carts / carts
-- Carts the shop later purged (pscleaner deletes old carts without an order; the delete sweep
-- marks them removed) still count on their day: they were abandoned then. A cart younger than
-- the idle threshold is neither ordered nor abandoned yet.
with as_of as (
    -- Each shop's own clock, computed once per shop (a few index probes), not per cart.
    select s.shop, {{ cart_activity_as_of('s.shop') }} as as_of_ts
    from ({{ warehouse_shops() }}) as s
),

carts as (
    select
        c.cart_date,
        c.shop,
        c.is_removed,
        o.cart_id is not null as is_ordered,
        o.cart_id is null
            and c.updated_at < a.as_of_ts - make_interval(hours => {{ var('abandoned_cart_idle_hours') }})
            as is_abandoned
    from {{ ref('stg_carts') }} as c
    -- Left: the carts of a shop missing from warehouse_shops() (no staged currency) still count.
    left join as_of as a on a.shop = c.shop
    {%- if is_incremental() %}
    -- A few days' carts: one index probe each.
    left join lateral (
        select s.cart_id from {{ ref('stg_orders') }} as s
        where s.cart_id = c.cart_id and s.shop = c.shop limit 1
    ) as o on true
    {%- else %}
    left join (select distinct cart_id, shop from {{ ref('stg_orders') }}) as o
        on o.cart_id = c.cart_id and o.shop = c.shop
    {%- endif %}
    where c.products > 0 and c.cart_date is not null
    {%- if is_incremental() %}
      and (c.cart_date, c.shop) in ({{ affected_keys() }})
    {%- endif %}
)

select
    cart_date as date_day,
    shop,
    count(*) as carts,
    count(*) filter (where is_ordered) as ordered_carts,
    count(*) filter (where is_abandoned) as abandoned_carts,
    count(*) filter (where is_removed) as removed_carts,
    count(*) filter (where is_ordered)::numeric / count(*) as conversion_rate
from carts
group by 1, 2
