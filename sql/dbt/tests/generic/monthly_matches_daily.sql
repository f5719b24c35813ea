{#- The monthly mart (built from lines) totals the daily mart (built from orders) per month and
    shop. -#}
{% test monthly_matches_daily(model) %}
with monthly as (
    select month_start, shop, sum(net_revenue) as net_revenue from {{ model }} group by 1, 2
),
daily as (
    select date_trunc('month', date_day)::date as month_start, shop, sum(net_revenue) as net_revenue
    from {{ ref('agg_sales_daily') }} group by 1, 2
)
select coalesce(m.month_start, d.month_start) as month_start, coalesce(m.shop, d.shop) as shop,
       m.net_revenue, d.net_revenue as daily_net_revenue
from monthly as m
full join daily as d on d.month_start = m.month_start and d.shop = m.shop
where abs(coalesce(m.net_revenue, 0) - coalesce(d.net_revenue, 0)) > 0.01
{% endtest %}
