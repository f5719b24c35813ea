{#- Incremental (macros/incremental_marts.sql, row_diff): a build recomputes every month from the
    first one a change touched (year-to-date and the prior-month and prior-year columns carry a
    month's change forward) and writes only the rows that differ. The months before it, back to
    January of the year before, come from the table as it stands: nothing before changed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='month_start',
    row_key=['month_start', 'country_id', 'category_id'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('month_start', affected_sales_years(mart_watermark()), key_type='date', reads_fact='fct_order_lines') }}",
    post_hook="{{ end_incremental_mart('month_start') }}",
    indexes=[
    {'columns': ['month_start', 'country_id', 'category_id'], 'unique': True},
    {'columns': ['month_start']},
]) }}

-- Valid order lines by month, delivery country and product category (the product's default
-- category). net_revenue sums the lines' shares of their order's net revenue, so a month's
-- total equals the daily mart's for that month.
{%- set from_month = "(select min(key) from phc_affected_keys)" %}
with monthly as (
    select
        month_start,
        country_id,
        category_id,
        count(distinct order_id) as orders,
        sum(quantity) as quantity,
        sum(line_revenue_tax_excl) as gross_revenue,
        sum(allocated_discount_tax_excl) as discounts,
        sum(net_line_revenue) as net_revenue,
        sum(line_margin) as margin,
        sum(net_line_revenue) filter (where line_margin is not null) as costed_revenue
    from {{ ref('fct_order_lines') }}
    where is_valid
    {%- if is_incremental() %}
      and month_start >= {{ from_month }}
    {%- endif %}
    group by 1, 2, 3
    {%- if is_incremental() %}
    union all
    select month_start, country_id, category_id, orders, quantity, gross_revenue, discounts,
           net_revenue, margin, null
    from {{ this }}
    where month_start >= date_trunc('year', {{ from_month }}) - interval '1 year'
      and month_start < {{ from_month }}
    {%- endif %}
),

with_ytd as (
    select
        m.*,
        -- NULL unless the costed lines' revenue is positive: a ratio to zero or negative revenue
        -- (see docs/models.md, Margin) would flip the sign of a loss.
        case when m.costed_revenue > 0 then m.margin / m.costed_revenue end as margin_pct,
        sum(m.net_revenue) over (
            partition by m.country_id, m.category_id, date_trunc('year', m.month_start)
            order by m.month_start
        ) as net_revenue_ytd
    from monthly as m
)

select
    cur.month_start,
    cur.country_id,
    cur.category_id,
    cur.orders,
    cur.quantity,
    cur.gross_revenue,
    cur.discounts,
    cur.net_revenue,
    cur.margin,
    cur.margin_pct,
    cur.net_revenue_ytd,
    coalesce(pm.net_revenue, 0) as net_revenue_prior_month,
    coalesce(py.net_revenue, 0) as net_revenue_prior_year,
    (cur.net_revenue - pm.net_revenue) / nullif(pm.net_revenue, 0) as mom_growth_pct,
    (cur.net_revenue - py.net_revenue) / nullif(py.net_revenue, 0) as yoy_growth_pct
from with_ytd as cur
left join with_ytd as pm
    on pm.month_start = (cur.month_start - interval '1 month')::date
   and pm.country_id = cur.country_id and pm.category_id = cur.category_id
left join with_ytd as py
    on py.month_start = (cur.month_start - interval '1 year')::date
   and py.country_id = cur.country_id and py.category_id = cur.category_id
{%- if is_incremental() %}
where cur.month_start in ({{ affected_keys() }})
{%- endif %}
