{#- Incremental (macros/incremental_marts.sql, row_diff): for each (shop, country, channel) a
    change touched, a build recomputes the days from the first one touched (the running sums and
    the prior-period columns carry a day's change forward; phc_sales_scope, sales_day_scope) and
    writes only the rows that differ.

    Merge joins are off for its transaction: the grid's left joins are on four keys, and a
    merge join on the day alone rescanned each day's rows once per pair (30M rows, 10 s at 100k
    orders, against 2 s hashed). -#}
{%- set in_scope = "exists (select 1 from phc_sales_scope as a where a.shop = t.shop and a.country_id = t.country_id and a.sales_channel_key = t.sales_channel_key and t.date_day >= a.from_day)" %}
-- depends_on: {{ ref('stg_currencies') }}
{#- (warehouse_shops() in the incremental pre-hook: dbt cannot see a ref made only there.) -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='date_day',
    row_key=['date_day', 'country_id', 'sales_channel_key', 'shop'],
    affected_rows=in_scope,
    on_schema_change='fail',
    pre_hook=[
        "{{ sales_day_scope(mart_watermark()) }}",
        "{{ begin_incremental_mart('date_day', 'select from_day, shop from phc_sales_scope', key_type='date', reads_fact='fct_orders') }}",
        "set local enable_mergejoin = off",
    ],
    post_hook="{{ end_incremental_mart('date_day') }}",
    indexes=[
    {'columns': ['date_day', 'country_id', 'sales_channel_key', 'shop'], 'unique': True},
    {'columns': ['date_day']},
    {'columns': ['shop', 'date_day']},
]) }}

-- Zero-filled: every day from the shop's first order to the later of its last order and today,
-- for every (country, channel) pair that ever sold in the shop, so running sums and period
-- comparisons never skip a day. Each shop has its own grid: a shop added later does not get
-- years of empty days before its first order. Revenue counts valid orders only, bucketed on the
-- order date.
--
-- An incremental build computes, for each pair in phc_sales_scope, the days from its from_day
-- from the fact, and takes the days before, back to Jan 1 of the year before, from the table as
-- it stands (nothing before from_day changed in that pair): the running sums and the
-- prior-month and prior-year columns of the days it writes read them.
with orders as (
    {%- if is_incremental() %}
    select o.*
    from {{ ref('fct_orders') }} as o
    join phc_sales_scope as a
      on a.shop = o.shop and a.country_id = o.country_id and a.sales_channel_key = o.sales_channel_key
    where o.order_date >= a.from_day or o.refunded_at >= a.from_day
    {%- else %}
    select * from {{ ref('fct_orders') }}
    {%- endif %}
),

pairs as (
    {%- if is_incremental() %}
    -- A pair that left the fact is in scope (its rows are deleted), not in the grid.
    select shop, country_id, sales_channel_key, from_day from phc_sales_scope where in_fact
    {%- else %}
    select distinct shop, country_id, sales_channel_key, null::date as from_day from orders
    {%- endif %}
),

-- Each shop's grid, the one sales_day_scope computes: order_date's index gives both ends, one
-- probe per shop.
days as (
    select b.shop, d::date as date_day
    from (
        select s.shop,
               (select min(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop) as first_day,
               greatest((select max(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop),
                        current_date) as last_day
        from (select distinct shop from pairs) as s
    ) as b,
         generate_series(b.first_day, b.last_day, interval '1 day') as d
),

daily as (
    select
        order_date as date_day,
        shop,
        country_id,
        sales_channel_key,
        count(*) filter (where is_valid) as orders,
        count(distinct customer_id) filter (where is_valid) as customers,
        count(*) filter (where is_valid and customer_order_seq = 1) as new_customer_orders,
        count(*) as placed_orders,
        coalesce(sum(products_tax_excl) filter (where is_valid), 0) as gross_revenue,
        coalesce(sum(discounts_tax_excl) filter (where is_valid), 0) as discounts,
        coalesce(sum(shipping_tax_excl) filter (where is_valid), 0) as shipping,
        coalesce(sum(net_revenue) filter (where is_valid), 0) as net_revenue
    from orders
    group by 1, 2, 3, 4
),

-- Refunds are reported on the day the order entered the refunded state. They are not
-- subtracted from net revenue: a refunded order's state is not logable, so it already left
-- revenue (on its order date) under PrestaShop's definition.
refunds as (
    select refunded_at::date as date_day, shop, country_id, sales_channel_key,
           count(*) as refunded_orders, sum(net_revenue) as refunded_revenue
    from orders
    where refunded_at is not null
    group by 1, 2, 3, 4
),

grid as (
    select
        d.date_day,
        p.shop,
        p.country_id,
        p.sales_channel_key,
        coalesce(s.orders, 0) as orders,
        coalesce(s.customers, 0) as customers,
        coalesce(s.new_customer_orders, 0) as new_customer_orders,
        coalesce(s.placed_orders, 0) as placed_orders,
        coalesce(s.gross_revenue, 0) as gross_revenue,
        coalesce(s.discounts, 0) as discounts,
        coalesce(s.shipping, 0) as shipping,
        coalesce(s.net_revenue, 0) as net_revenue,
        coalesce(r.refunded_orders, 0) as refunded_orders,
        coalesce(r.refunded_revenue, 0) as refunded_revenue
    from days as d
    join pairs as p on p.shop = d.shop and (p.from_day is null or d.date_day >= p.from_day)
    left join daily as s
        on s.date_day = d.date_day and s.shop = p.shop and s.country_id = p.country_id
       and s.sales_channel_key = p.sales_channel_key
    left join refunds as r
        on r.date_day = d.date_day and r.shop = p.shop and r.country_id = p.country_id
       and r.sales_channel_key = p.sales_channel_key
    {%- if is_incremental() %}
    union all
    select
        t.date_day, t.shop, t.country_id, t.sales_channel_key, t.orders, t.customers,
        t.new_customer_orders, t.placed_orders, t.gross_revenue, t.discounts, t.shipping,
        t.net_revenue, t.refunded_orders, t.refunded_revenue
    from {{ this }} as t
    join phc_sales_scope as a
      on a.shop = t.shop and a.country_id = t.country_id and a.sales_channel_key = t.sales_channel_key
    where t.date_day >= date_trunc('year', a.from_day) - interval '1 year'
      and t.date_day < a.from_day
    {%- endif %}
),

running as (
    select
        g.*,
        case when g.orders > 0 then g.net_revenue / g.orders end as average_order_value,
        sum(g.net_revenue) over (
            partition by g.shop, g.country_id, g.sales_channel_key, date_trunc('month', g.date_day)
            order by g.date_day
        ) as net_revenue_mtd,
        sum(g.net_revenue) over (
            partition by g.shop, g.country_id, g.sales_channel_key, date_trunc('year', g.date_day)
            order by g.date_day
        ) as net_revenue_ytd
    from grid as g
),

-- The grid is dense (one row per day and pair), so "the same day one month / one year earlier"
-- is a fixed number of rows back within the pair: lag() with a per-row offset, no self-join.
-- The 29th-31st of a month map to the last day of a shorter previous month.
prior as (
    select
        r.*,
        lag(r.net_revenue_mtd, r.date_day - (r.date_day - interval '1 month')::date) over w
            as net_revenue_mtd_prior_month,
        lag(r.net_revenue, r.date_day - (r.date_day - interval '1 year')::date) over w
            as net_revenue_prior_year,
        lag(r.net_revenue_ytd, r.date_day - (r.date_day - interval '1 year')::date) over w
            as net_revenue_ytd_prior_year
    from running as r
    window w as (partition by r.shop, r.country_id, r.sales_channel_key order by r.date_day)
)

select
    p.*,
    -- MoM: month-to-date against the same span of the previous month. YoY: year-to-date against
    -- the same span of the previous year. NULL when the earlier period had no revenue or is
    -- before the first order.
    (p.net_revenue_mtd - p.net_revenue_mtd_prior_month) / nullif(p.net_revenue_mtd_prior_month, 0) as mom_growth_pct,
    (p.net_revenue_ytd - p.net_revenue_ytd_prior_year) / nullif(p.net_revenue_ytd_prior_year, 0) as yoy_growth_pct,
    {{ reporting_currency() }} as currency
from prior as p
{%- if is_incremental() %}
where exists (
    select 1 from phc_sales_scope as a
    where a.shop = p.shop and a.country_id = p.country_id and a.sales_channel_key = p.sales_channel_key
      and p.date_day >= a.from_day
)
{%- endif %}
