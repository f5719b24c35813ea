{{ config(indexes=[{'columns': ['cohort_month', 'cohort_month_number', 'shop'], 'unique': True}]) }}

-- The retention matrix, per shop: of the customers whose first valid order fell in cohort_month,
-- how many ordered again in their n-th month (n = 1 is the first month, so its rate is 1). Each
-- shop's cohorts run to its own latest month.
with valid_orders as (
    select * from {{ ref('fct_orders') }} where is_valid and customer_id <> -1
),

firsts as (
    select customer_id, shop, min(month_start) as cohort_month from valid_orders group by 1, 2
),

sizes as (
    select shop, cohort_month, count(*) as cohort_size from firsts group by 1, 2
),

last_month as (
    select shop, max(month_start) as last_month from valid_orders group by 1
),

cells as (
    select s.shop, s.cohort_month, s.cohort_size, d::date as date_month
    from sizes as s
    join last_month as l on l.shop = s.shop
    cross join lateral generate_series(s.cohort_month, l.last_month, interval '1 month') as d
),

activity as (
    select
        f.shop,
        f.cohort_month,
        o.month_start as date_month,
        count(distinct o.customer_id) as retained_customers,
        count(*) as orders,
        sum(o.net_revenue) as net_revenue
    from valid_orders as o
    join firsts as f on f.customer_id = o.customer_id and f.shop = o.shop
    group by 1, 2, 3
)

select
    c.cohort_month,
    c.shop,
    ((extract(year from c.date_month) - extract(year from c.cohort_month)) * 12
        + extract(month from c.date_month) - extract(month from c.cohort_month))::int + 1 as cohort_month_number,
    c.date_month,
    c.cohort_size,
    coalesce(a.retained_customers, 0) as retained_customers,
    coalesce(a.retained_customers, 0)::numeric / c.cohort_size as retention_rate,
    coalesce(a.orders, 0) as orders,
    coalesce(a.net_revenue, 0) as net_revenue,
    {{ reporting_currency() }} as currency
from cells as c
left join activity as a
  on a.shop = c.shop and a.cohort_month = c.cohort_month and a.date_month = c.date_month
