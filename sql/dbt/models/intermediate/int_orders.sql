{#- Orders with everything the marts share: money converted to the shop's default currency,
    the delivery country and region, the sales channel, and the customer's sequence of valid
    orders. Ephemeral: inlined into each mart, so every mart reads staging tables directly. -#}
with orders as (
    select
        o.*,
        -- Amounts are in the order's currency; conversion_rate (frozen on the order) converts to
        -- the shop's default currency. A missing or zero rate is treated as 1 (and tested).
        coalesce(nullif(o.conversion_rate, 0), 1) as rate
    from {{ ref('stg_orders') }} as o
)

select
    o.order_id,
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
    o.currency_id,
    o.conversion_rate,
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
    -- 1 for a customer's first valid order, 2 for the second...; NULL for orders that are not
    -- valid. Computed over the full history on every refresh (no incremental drift).
    case when o.is_valid then
        row_number() over (
            partition by coalesce(o.customer_id, -1), o.is_valid order by o.date_add, o.order_id
        )
    end as customer_order_seq
from orders as o
left join {{ ref('stg_addresses') }} as a on a.address_id = o.address_delivery_id
left join {{ ref('stg_countries') }} as c on c.country_id = a.country_id
