{#- Incremental (macros/incremental_marts.sql): a build recomputes the months with an order line
    written or deleted in fct_order_lines since the last build, and the months of a category
    renamed or moved in staging (a month's ranks need the whole month). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    unique_key='month_start',
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('month_start', affected_sales_months(mart_watermark(), with_categories=true), key_type='date', reads_fact='fct_order_lines') }}",
    post_hook="{{ end_incremental_mart('month_start') }}",
    indexes=[
    {'columns': ['category_id', 'month_start', 'shop'], 'unique': True},
    {'columns': ['month_start']},
]) }}

-- Valid order lines by (sub-)category and month, per shop: the product's default category, which
-- is the most specific one in PrestaShop, with its top-level category for roll-ups. Ranks are
-- within the shop's month: a build recomputes (month, shop) pairs, so a rank cannot depend on
-- another shop's rows.
with monthly as (
    select
        category_id,
        shop,
        month_start,
        count(distinct order_id) as orders,
        count(distinct product_id) as products_sold,
        sum(quantity) as quantity,
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
    m.category_id,
    m.shop,
    m.month_start,
    c.category_name,
    c.parent_category_id,
    m.orders,
    m.products_sold,
    m.quantity,
    m.net_revenue,
    m.margin,
    -- NULL unless the costed lines' revenue is positive: a ratio to zero or negative revenue
    -- (see docs/models.md, Margin) would flip the sign of a loss.
    case when m.costed_revenue > 0 then m.margin / m.costed_revenue end as margin_pct,
    dense_rank() over (partition by m.shop, m.month_start order by m.margin desc nulls last) as margin_rank,
    {{ reporting_currency() }} as currency
from monthly as m
left join {{ ref('stg_categories') }} as c on c.category_id = m.category_id and c.shop = m.shop
