{#- Incremental (macros/incremental_marts.sql): a build recomputes the months with an order line
    written or deleted in fct_order_lines since the last build, and the months of a product
    re-staged since (its name and category come from stg_products); a month's ranks need the
    whole month. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    unique_key='month_start',
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('month_start', affected_sales_months(mart_watermark(), with_products=true), key_type='date', reads_fact='fct_order_lines') }}",
    post_hook="{{ end_incremental_mart('month_start') }}",
    indexes=[
    {'columns': ['product_id', 'month_start', 'shop'], 'unique': True},
    {'columns': ['month_start', 'revenue_rank']},
]) }}

-- Valid order lines by product and month, per shop. Ranks are dense within the shop's month
-- (1 = best; a build recomputes (month, shop) pairs, so a rank cannot depend on another shop's
-- rows); is_top10 marks exactly the shop's ten best sellers by revenue (ties broken by product
-- id, so a shop's month always has at most ten).
with monthly as (
    select
        product_id,
        shop,
        month_start,
        max(product_name) as product_name,
        count(distinct order_id) as orders,
        sum(quantity) as quantity,
        sum(line_revenue_tax_excl) as gross_revenue,
        sum(net_line_revenue) as net_revenue,
        sum(line_margin) as margin,
        sum(net_line_revenue) filter (where line_margin is not null) as costed_revenue
    from {{ ref('fct_order_lines') }}
    where is_valid
    {%- if is_incremental() %}
      and (month_start, shop) in ({{ affected_keys() }})
    {%- endif %}
    group by 1, 2, 3
)

select
    m.product_id,
    m.shop,
    m.month_start,
    coalesce(p.product_name, m.product_name) as product_name,
    p.category_id,
    m.orders,
    m.quantity,
    m.gross_revenue,
    m.net_revenue,
    m.margin,
    -- NULL unless the costed lines' revenue is positive: a ratio to zero or negative revenue
    -- (see docs/models.md, Margin) would flip the sign of a loss.
    case when m.costed_revenue > 0 then m.margin / m.costed_revenue end as margin_pct,
    dense_rank() over (partition by m.shop, m.month_start order by m.net_revenue desc) as revenue_rank,
    dense_rank() over (partition by m.shop, m.month_start order by m.margin desc nulls last) as margin_rank,
    row_number() over (partition by m.shop, m.month_start order by m.net_revenue desc, m.product_id) <= 10 as is_top10,
    {{ reporting_currency() }} as currency
from monthly as m
left join {{ ref('stg_products') }} as p on p.product_id = m.product_id and p.shop = m.shop
