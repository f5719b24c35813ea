{{ config(indexes=[{'columns': ['product_id'], 'unique': True}]) }}

-- Stock on hand per product and how long it lasts at the last 30 days' sales rate:
--   daily_units = units sold in valid orders over the 30 days up to as_of_date / 30
--   days_of_cover = on_hand / daily_units (NULL when nothing sold: no rate to divide by)
-- as_of_date is the day of the latest order, as in dim_customer (not the refresh date), so a
-- shop's figures do not drift while it is idle. Products without combinations hold their stock
-- on attribute 0; a product's rows are summed (its combinations). Deleted products are left out.
with stock as (
    select product_id, sum(greatest(quantity, 0)) as on_hand
    from {{ ref('stg_stock_availables') }}
    where not is_removed and product_id is not null
    group by 1
),

as_of as (
    select coalesce(max(order_date), current_date) as as_of_date from {{ ref('fct_orders') }}
),

sold as (
    select l.product_id, sum(l.quantity) as units_30d
    from {{ ref('fct_order_lines') }} as l
    cross join as_of as a
    where l.is_valid and l.order_date > a.as_of_date - 30 and l.order_date <= a.as_of_date
    group by 1
)

select
    s.product_id,
    p.product_name,
    p.category_id,
    s.on_hand,
    coalesce(d.units_30d, 0) as units_sold_30d,
    coalesce(d.units_30d, 0) / 30.0 as daily_units,
    case when d.units_30d > 0 then s.on_hand / (d.units_30d / 30.0) end as days_of_cover,
    s.on_hand = 0 as is_out_of_stock,
    a.as_of_date
from stock as s
cross join as_of as a
join {{ ref('dim_product') }} as p on p.product_id = s.product_id and not coalesce(p.is_removed, false)
left join sold as d on d.product_id = s.product_id
