{{ config(indexes=[{'columns': ['sales_channel_key', 'shop'], 'unique': True}]) }}

-- PrestaShop has no channel entity: a channel is the shop (multistore) and the payment module
-- the order went through. Built from the orders seen, so every fact key resolves; `payment` is
-- the label most often shown to customers for that module. Per installation (`shop`).
select
    sales_channel_key,
    shop,
    max(shop_id) as shop_id,
    max(module) as module,
    mode() within group (order by payment) as payment_label,
    count(*) as order_count
from (
    select {{ sales_channel_key('shop_id', 'module') }} as sales_channel_key, shop, shop_id, module, payment
    from {{ ref('stg_orders') }}
) as o
group by sales_channel_key, shop
