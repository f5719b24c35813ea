{{ config(indexes=[{'columns': ['rfm_segment'], 'unique': True}]) }}

-- One row per RFM segment, for the dashboard tile that charts them: grouping customer_rfm at
-- each page view reads every customer (about 50 ms at 1M orders), this reads eight rows.
-- Same source and rules as customer_rfm (int_customer_orders), so the two always agree.
with segments as (
    select
        rfm_segment,
        count(*) as customers,
        sum(lifetime_net_revenue) as revenue,
        sum(lifetime_orders) as orders,
        avg(days_since_last_order) as avg_days_since_last_order,
        max(as_of_date) as as_of_date
    from {{ ref('int_customer_orders') }}
    group by rfm_segment
)

select
    rfm_segment,
    customers,
    revenue,
    orders,
    round(revenue / orders, 2) as average_order_value,
    round(avg_days_since_last_order, 1) as avg_days_since_last_order,
    customers::numeric / sum(customers) over () as customer_share,
    revenue / nullif(sum(revenue) over (), 0) as revenue_share,
    as_of_date,
    {{ reporting_currency() }} as currency
from segments
