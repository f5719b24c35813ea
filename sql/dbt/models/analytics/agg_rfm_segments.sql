{{ config(indexes=[{'columns': ['rfm_segment', 'shop'], 'unique': True}]) }}

-- One row per RFM segment and shop, for the dashboard tile that charts them: grouping
-- customer_rfm at each page view reads every customer (about 50 ms at 1M orders), this reads
-- eight rows per shop. Same source and rules as customer_rfm (int_customer_orders), so the two
-- always agree. The shares are of the shop's customers and revenue (each shop is scored on its
-- own); a sum of customers or revenue across shops is still a total.
with segments as (
    select
        rfm_segment,
        shop,
        count(*) as customers,
        sum(lifetime_net_revenue) as revenue,
        sum(lifetime_orders) as orders,
        avg(days_since_last_order) as avg_days_since_last_order,
        max(as_of_date) as as_of_date
    from {{ ref('int_customer_orders') }}
    group by rfm_segment, shop
)

select
    rfm_segment,
    shop,
    customers,
    revenue,
    orders,
    round(revenue / orders, 2) as average_order_value,
    round(avg_days_since_last_order, 1) as avg_days_since_last_order,
    customers::numeric / sum(customers) over (partition by shop) as customer_share,
    revenue / nullif(sum(revenue) over (partition by shop), 0) as revenue_share,
    as_of_date,
    {{ reporting_currency() }} as currency
from segments
