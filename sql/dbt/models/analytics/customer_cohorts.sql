{#- Incremental (macros/incremental_marts.sql): a build rewrites the rows of the customers with
    an order written or deleted in fct_orders since the last build. Each customer has a row per
    month up to their shop's latest month: when that month moves forward, every other customer
    of the shop gets rows for the new months only (no order in them, lifetime totals carried
    from their last row); when it moves back (its only valid orders were cancelled), every
    customer of the shop is rebuilt. Each shop has its own months (docs/shops.md). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    unique_key='customer_id',
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('customer_id', affected_cohort_customers(mart_watermark()), reads_fact='fct_orders') }}",
    post_hook="{{ end_incremental_mart('customer_id') }}",
    indexes=[
    {'columns': ['customer_id', 'date_month', 'shop'], 'unique': True},
    {'columns': ['cohort_month', 'cohort_month_number']},
    {'columns': ['date_month']},
    {'columns': ['shop', 'date_month']},
]) }}

-- One row per customer (of a shop) and calendar month, from the month of their first valid
-- order to the month of their shop's latest order (Fivetran's shopify__customer_cohorts shape).
-- Month 1 is the first-order month.
with valid_orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id <> -1
    {%- if is_incremental() %}
      and (customer_id, shop) in ({{ affected_keys() }})
    {%- endif %}
),

customers as (
    select customer_id, shop, min(month_start) as cohort_month from valid_orders group by 1, 2
),

-- Each shop's months (all its customers', not only the rebuilt ones), up to the month
-- affected_cohort_customers compares the table's end with; order_date's index finds both ends
-- of each shop without reading the fact, once per shop (materialized: never rescanned per
-- customer).
months as materialized (
    select s.shop, d::date as date_month
    from ({{ warehouse_shops() }}) as s
    cross join lateral (
        select date_trunc('month', min(f.order_date)) as first_month,
               date_trunc('month', max(f.order_date)) as last_month
        from {{ ref('fct_orders') }} as f where f.is_valid and f.customer_id <> -1 and f.shop = s.shop
    ) as b
    cross join lateral generate_series(b.first_month, b.last_month, interval '1 month') as d
),

activity as (
    select customer_id, shop, month_start as date_month, count(*) as orders, sum(net_revenue) as net_revenue
    from valid_orders
    group by 1, 2, 3
)
{%- if is_incremental() %},

-- The month each shop's rows end on in the table (the affected customers' rows are deleted by
-- now): one probe of date_month's index per shop, computed once.
stored_ends as materialized (
    select s.shop, (select max(t.date_month) from {{ this }} as t where t.shop = s.shop) as last_month
    from ({{ warehouse_shops() }}) as s
)
{%- endif %}

select
    c.customer_id,
    c.shop,
    m.date_month,
    c.cohort_month,
    ((extract(year from m.date_month) - extract(year from c.cohort_month)) * 12
        + extract(month from m.date_month) - extract(month from c.cohort_month))::int + 1 as cohort_month_number,
    coalesce(a.orders, 0) as order_count_in_month,
    coalesce(a.net_revenue, 0) as net_revenue_in_month,
    sum(coalesce(a.orders, 0)) over w as order_count_lifetime,
    sum(coalesce(a.net_revenue, 0)) over w as net_revenue_lifetime
from customers as c
join months as m on m.shop = c.shop and m.date_month >= c.cohort_month
left join activity as a on a.customer_id = c.customer_id and a.shop = c.shop and a.date_month = m.date_month
window w as (partition by c.shop, c.customer_id order by m.date_month rows between unbounded preceding and current row)
{%- if is_incremental() %}

union all

-- The customers left as they were, in the months their shop added since the last build.
select
    l.customer_id,
    l.shop,
    m.date_month,
    l.cohort_month,
    ((extract(year from m.date_month) - extract(year from l.cohort_month)) * 12
        + extract(month from m.date_month) - extract(month from l.cohort_month))::int + 1,
    0,
    0,
    l.order_count_lifetime,
    l.net_revenue_lifetime
from stored_ends as e
join {{ this }} as l on l.shop = e.shop and l.date_month = e.last_month
join months as m on m.shop = l.shop and m.date_month > l.date_month
{%- endif %}
