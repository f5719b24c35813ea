{#- Order lines with their order's context and their share of the order's revenue.

    The order-level discount (cart rules) is allocated to lines pro rata on the line's value,
    tax excluded, as PrestaShop itself does (OrderDetail::saveTaxCalculator). The line's net
    revenue is its share of the ORDER's net revenue (PrestaShop definition, which also carries
    gift wrapping): summed over an order's lines it equals the order's net revenue exactly, so
    the product/category/monthly marts reconcile with the daily mart to the cent. -#}
with lines as (
    select
        r.*,
        sum(r.line_total_tax_excl) over (partition by r.order_id) as order_lines_total,
        count(*) over (partition by r.order_id) as order_line_count
    from {{ ref('stg_order_rows') }} as r
    where r.order_detail_id is not null
),

orders as (
    select * from {{ ref('int_orders') }}
)

select
    l.order_detail_id,
    l.order_id,
    o.order_date,
    o.month_start,
    o.invoice_date,
    o.customer_id,
    coalesce(l.product_id, -1) as product_id,
    l.product_attribute_id,
    coalesce(p.category_id, -1) as category_id,
    o.address_delivery_id,
    o.country_id,
    o.zone_id,
    o.sales_channel_key,
    o.currency_id,
    o.conversion_rate,
    o.is_valid,
    o.status_group,
    l.product_name,
    l.product_reference,
    coalesce(l.quantity, 0) as quantity,
    l.unit_price_tax_excl,
    l.unit_price_tax_incl,
    l.line_total_tax_excl / coalesce(nullif(o.conversion_rate, 0), 1) as line_revenue_tax_excl,
    l.line_total_tax_incl / coalesce(nullif(o.conversion_rate, 0), 1) as line_revenue_tax_incl,
    s.share as revenue_share,
    o.discounts_tax_excl * s.share as allocated_discount_tax_excl,
    o.net_revenue * s.share as net_line_revenue,
    -- Cost from the product's current wholesale price (shop currency): the order row carries no
    -- historical cost. NULL when the product is unknown or has no wholesale price (0 in PrestaShop).
    nullif(p.wholesale_price, 0) as unit_cost,
    coalesce(l.quantity, 0) * nullif(p.wholesale_price, 0) as line_cost,
    o.net_revenue * s.share - coalesce(l.quantity, 0) * nullif(p.wholesale_price, 0) as line_margin
from lines as l
join orders as o on o.order_id = l.order_id
cross join lateral (
    select case
        when coalesce(l.order_lines_total, 0) <> 0 then coalesce(l.line_total_tax_excl, 0) / l.order_lines_total
        else 1.0 / l.order_line_count
    end as share
) as s
left join {{ ref('stg_products') }} as p on p.product_id = l.product_id
