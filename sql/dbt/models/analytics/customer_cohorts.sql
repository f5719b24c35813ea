{{ config(indexes=[
    {'columns': ['customer_id', 'date_month'], 'unique': True},
    {'columns': ['cohort_month', 'cohort_month_number']},
]) }}

-- One row per customer and calendar month, from the month of their first valid order to the
-- month of the shop's latest order (Fivetran's shopify__customer_cohorts shape). Month 1 is the
-- first-order month.
with valid_orders as (
    select * from {{ ref('fct_orders') }} where is_valid and customer_id <> -1
),

customers as (
    select customer_id, min(month_start) as cohort_month from valid_orders group by 1
),

months as (
    select d::date as date_month
    from (select min(month_start) as first_month, max(month_start) as last_month from valid_orders) as b,
         generate_series(b.first_month, b.last_month, interval '1 month') as d
),

activity as (
    select customer_id, month_start as date_month, count(*) as orders, sum(net_revenue) as net_revenue
    from valid_orders
    group by 1, 2
)

select
    c.customer_id,
    m.date_month,
    c.cohort_month,
    ((extract(year from m.date_month) - extract(year from c.cohort_month)) * 12
        + extract(month from m.date_month) - extract(month from c.cohort_month))::int + 1 as cohort_month_number,
    coalesce(a.orders, 0) as order_count_in_month,
    coalesce(a.net_revenue, 0) as net_revenue_in_month,
    sum(coalesce(a.orders, 0)) over w as order_count_lifetime,
    sum(coalesce(a.net_revenue, 0)) over w as net_revenue_lifetime
from customers as c
join months as m on m.date_month >= c.cohort_month
left join activity as a on a.customer_id = c.customer_id and a.date_month = m.date_month
window w as (partition by c.customer_id order by m.date_month rows between unbounded preceding and current row)
