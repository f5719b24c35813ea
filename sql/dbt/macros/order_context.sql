{#- Orders with everything the facts share: money converted to the reporting currency
    (macros/reporting_currency.sql), the delivery country and region, the sales channel, and the
    customer's sequence of valid orders. `order_ids` (a query of order ids) limits it to the
    orders an incremental build recomputes; none means every order. -#}
{% macro order_context(order_ids=none) %}
with installations as (
    -- Each installation's default currency (its global PS_CURRENCY_DEFAULT): one probe per shop.
    select s.shop, {{ default_currency_id('s.shop') }} as currency_id
    from ({{ warehouse_shops() }}) as s
),

stores as (
    select shop, shop_id, currency_id from {{ ref('int_store_settings') }}
),

placed as (
    select
        o.*,
        -- The order's currency per unit of its store's default currency, frozen on the order. A
        -- missing or zero rate is treated as 1 (and tested).
        coalesce(nullif(o.conversion_rate, 0), 1) as order_rate,
        -- The store's default currency: its own configuration, else the installation's.
        coalesce(st.currency_id, i.currency_id) as store_currency_id,
        i.currency_id as installation_currency_id
    from {{ ref('stg_orders') }} as o
    left join stores as st on st.shop = o.shop and st.shop_id = o.shop_id
    left join installations as i on i.shop = o.shop
    {%- if order_ids %}
    where (o.order_id, o.shop) in ({{ order_ids }})
    {%- endif %}
),

orders as (
    select
        p.*,
        sc.iso_code as store_currency,
        ic.iso_code as installation_currency,
        -- Order currency per unit of the reporting currency: every amount is divided by it.
        {{ reporting_divisor('p.order_rate', 'p.shop', 'sc.iso_code', 'p.date_add::date') }} as rate
    from placed as p
    left join {{ ref('stg_currencies') }} as sc on sc.shop = p.shop and sc.currency_id = p.store_currency_id
    left join {{ ref('stg_currencies') }} as ic on ic.shop = p.shop and ic.currency_id = p.installation_currency_id
)

select
    o.order_id,
    o.shop,
    o.reference,
    coalesce(o.customer_id, -1) as customer_id,
    o.date_add as order_created_at,
    o.date_add::date as order_date,
    date_trunc('month', o.date_add)::date as month_start,
    o.invoice_date,
    o.address_delivery_id,
    o.address_invoice_id,
    coalesce(a.country_id, -1) as country_id,
    coalesce(c.zone_id, -1) as zone_id,
    {{ sales_channel_key('o.shop_id', 'o.module') }} as sales_channel_key,
    o.shop_id,
    o.currency_id,
    oc.iso_code as order_currency,
    o.installation_currency,
    o.conversion_rate,
    o.rate as reporting_rate,
    o.current_state_id,
    o.status_group,
    o.is_valid,
    o.is_paid,
    o.paid_at,
    o.shipped_at,
    o.delivered_at,
    o.cancelled_at,
    o.refunded_at,
    o.order_row_count,
    o.total_products_tax_excl / o.rate as products_tax_excl,
    o.total_products_tax_incl / o.rate as products_tax_incl,
    o.total_discounts_tax_excl / o.rate as discounts_tax_excl,
    o.total_discounts_tax_incl / o.rate as discounts_tax_incl,
    o.total_shipping_tax_excl / o.rate as shipping_tax_excl,
    o.total_shipping_tax_incl / o.rate as shipping_tax_incl,
    o.total_wrapping_tax_excl / o.rate as wrapping_tax_excl,
    o.total_paid_tax_excl / o.rate as paid_tax_excl,
    o.total_paid_tax_incl / o.rate as paid_tax_incl,
    -- Net revenue, PrestaShop's definition (AdminStatsController::getTotalSales): tax excluded,
    -- shipping excluded (= products - discounts + wrapping), in the shop's default currency.
    -- Counted in revenue metrics only when is_valid (the current state is logable).
    coalesce(o.total_paid_tax_excl - o.total_shipping_tax_excl, 0) / o.rate as net_revenue,
    coalesce(o.total_paid_tax_excl - o.total_shipping_tax_excl, 0) as net_revenue_order_currency,
    o.total_paid_tax_incl as paid_tax_incl_order_currency,
    -- 1 for a customer's first valid order, 2 for the second...; NULL for orders that are not
    -- valid. Numbered over all of the customer's orders: an incremental build passes a filter that
    -- keeps every order of each affected customer (affected_orders_by_customer).
    case when o.is_valid then
        row_number() over (
            partition by o.shop, coalesce(o.customer_id, -1), o.is_valid order by o.date_add, o.order_id
        )
    end as customer_order_seq
from orders as o
left join {{ ref('stg_addresses') }} as a on a.address_id = o.address_delivery_id and a.shop = o.shop
left join {{ ref('stg_countries') }} as c on c.country_id = a.country_id and c.shop = a.shop
left join {{ ref('stg_currencies') }} as oc on oc.currency_id = o.currency_id and oc.shop = o.shop
{% endmacro %}


{#- Order lines with their order's context and their share of the order's revenue.

    The order-level discount (cart rules) is allocated to lines pro rata on the line's value,
    tax excluded, as PrestaShop itself does (OrderDetail::saveTaxCalculator). The line's net
    revenue is its share of the ORDER's net revenue (PrestaShop definition, which also carries
    gift wrapping): summed over an order's lines it equals the order's net revenue exactly, so
    the product/category/monthly marts reconcile with the daily mart to the cent.
    `order_ids` as in order_context. -#}
{% macro order_line_context(order_ids=none) %}
with lines as (
    select
        r.*,
        sum(r.line_total_tax_excl) over (partition by r.shop, r.order_id) as order_lines_total,
        count(*) over (partition by r.shop, r.order_id) as order_line_count
    from {{ ref('stg_order_rows') }} as r
    where r.order_detail_id is not null
    {%- if order_ids %} and (r.order_id, r.shop) in ({{ order_ids }}){% endif %}
),

orders as (
    {{ order_context(order_ids) }}
)

select
    l.order_detail_id,
    l.order_id,
    l.shop,
    o.shop_id,
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
    o.reporting_rate,
    o.is_valid,
    o.status_group,
    l.product_name,
    l.product_reference,
    coalesce(l.quantity, 0) as quantity,
    l.unit_price_tax_excl,
    l.unit_price_tax_incl,
    l.line_total_tax_excl / o.reporting_rate as line_revenue_tax_excl,
    l.line_total_tax_incl / o.reporting_rate as line_revenue_tax_incl,
    s.share as revenue_share,
    o.discounts_tax_excl * s.share as allocated_discount_tax_excl,
    o.net_revenue * s.share as net_line_revenue,
    -- Cost from the product's current wholesale price (in the installation's default currency,
    -- converted like the revenue on the order's day): the order row carries no
    -- historical cost. NULL when the product is unknown or has no wholesale price (0 in PrestaShop).
    c.unit_cost,
    coalesce(l.quantity, 0) * c.unit_cost as line_cost,
    o.net_revenue * s.share - coalesce(l.quantity, 0) * c.unit_cost as line_margin
from lines as l
join orders as o on o.order_id = l.order_id and o.shop = l.shop
cross join lateral (
    select case
        when coalesce(l.order_lines_total, 0) <> 0 then coalesce(l.line_total_tax_excl, 0) / l.order_lines_total
        else 1.0 / l.order_line_count
    end as share
) as s
left join {{ ref('stg_products') }} as p on p.product_id = l.product_id and p.shop = l.shop
cross join lateral (
    select {{ to_reporting('nullif(p.wholesale_price, 0)', 'o.shop', 'o.installation_currency', 'o.order_date') }} as unit_cost
) as c
{% endmacro %}
