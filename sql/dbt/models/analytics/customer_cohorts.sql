{#- Incremental (macros/incremental_marts.sql): a build rewrites the rows of the customers with
    an order written or deleted in fct_orders since the last build. Each customer has a row per
    month up to the shop's latest month: when that month moves forward, every other customer
    gets rows for the new months only (no order in them, lifetime totals carried from their last
    row); when it moves back (its only valid orders were cancelled), every customer is rebuilt. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    unique_key='customer_id',
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('customer_id', affected_cohort_customers(mart_watermark()), reads_fact='fct_orders') }}",
    post_hook="{{ end_incremental_mart('customer_id') }}",
    indexes=[
    {'columns': ['customer_id', 'date_month'], 'unique': True},
    {'columns': ['cohort_month', 'cohort_month_number']},
    {'columns': ['date_month']},
]) }}

-- One row per customer and calendar month, from the month of their first valid order to the
-- month of the shop's latest order (Fivetran's shopify__customer_cohorts shape). Month 1 is the
-- first-order month.
with valid_orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid and customer_id <> -1
    {%- if is_incremental() %}
      and customer_id in ({{ affected_keys() }})
    {%- endif %}
),

customers as (
    select customer_id, min(month_start) as cohort_month from valid_orders group by 1
),

-- The shop's months (all customers', not only the rebuilt ones); order_date's index finds both
-- ends without reading the fact.
months as (
    select d::date as date_month
    from (
        select date_trunc('month', min(order_date)) as first_month,
               date_trunc('month', max(order_date)) as last_month
        from {{ ref('fct_orders') }} where is_valid and customer_id <> -1
    ) as b,
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
{%- if is_incremental() %}

union all

-- The customers left as they were, in the months added since the last build. Their rows end on
-- the table's last month (the affected customers' rows are deleted by now).
select
    l.customer_id,
    m.date_month,
    l.cohort_month,
    ((extract(year from m.date_month) - extract(year from l.cohort_month)) * 12
        + extract(month from m.date_month) - extract(month from l.cohort_month))::int + 1,
    0,
    0,
    l.order_count_lifetime,
    l.net_revenue_lifetime
from {{ this }} as l
join months as m on m.date_month > l.date_month
where l.date_month = (select max(date_month) from {{ this }})
{%- endif %}
