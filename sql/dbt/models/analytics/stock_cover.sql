{{ config(indexes=[{'columns': ['product_id', 'shop'], 'unique': True}]) }}

-- Stock on hand per product and shop and how long it lasts at the last 30 days' sales rate:
--   daily_units = units sold in valid orders over the 30 days up to as_of_date / 30
--   days_of_cover = on_hand / daily_units (NULL when nothing sold: no rate to divide by)
-- as_of_date is the day of the shop's own latest order, as in dim_customer (not the refresh
-- date), so a shop's figures do not drift while it is idle, nor move with another's. Products
-- without combinations hold their stock on attribute 0; a product's rows are summed (its
-- combinations, and the stores of its installation). Deleted products are left out.
with stock as (
    select product_id, shop, sum(greatest(quantity, 0)) as on_hand
    from {{ ref('stg_stock_availables') }}
    where not is_removed and product_id is not null
    group by 1, 2
),

-- One probe per shop, not per row.
as_of as (
    select s.shop,
           coalesce((select max(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop),
                    current_date) as as_of_date
    from ({{ warehouse_shops() }}) as s
),

sold as (
    select l.product_id, l.shop, sum(l.quantity) as units_30d
    from {{ ref('fct_order_lines') }} as l
    join as_of as a on a.shop = l.shop
    where l.is_valid and l.order_date > a.as_of_date - 30 and l.order_date <= a.as_of_date
    group by 1, 2
)

select
    s.product_id,
    s.shop,
    p.product_name,
    p.category_id,
    s.on_hand,
    coalesce(d.units_30d, 0) as units_sold_30d,
    coalesce(d.units_30d, 0) / 30.0 as daily_units,
    case when d.units_30d > 0 then s.on_hand / (d.units_30d / 30.0) end as days_of_cover,
    s.on_hand = 0 as is_out_of_stock,
    a.as_of_date
from stock as s
join as_of as a on a.shop = s.shop
join {{ ref('dim_product') }} as p
    on p.product_id = s.product_id and p.shop = s.shop and not coalesce(p.is_removed, false)
left join sold as d on d.product_id = s.product_id and d.shop = s.shop
