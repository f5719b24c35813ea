{#- Aggregate <-> fact reconciliation: per day and shop, the daily mart's orders and net revenue
    equal the valid orders of fct_orders (0.01 tolerance for numeric noise). Per shop, so that
    one installation's missing day cannot be hidden by another's surplus. -#}
{% test daily_matches_orders(model) %}
with mart as (
    select date_day, shop, sum(orders) as orders, sum(net_revenue) as net_revenue
    from {{ model }} group by 1, 2
),
fact as (
    select order_date as date_day, shop, count(*) as orders, sum(net_revenue) as net_revenue
    from {{ ref('fct_orders') }} where is_valid and order_date is not null group by 1, 2
)
select coalesce(m.date_day, f.date_day) as date_day, coalesce(m.shop, f.shop) as shop,
       m.orders, f.orders as fact_orders, m.net_revenue, f.net_revenue as fact_net_revenue
from mart as m
full join fact as f on f.date_day = m.date_day and f.shop = m.shop
where coalesce(m.orders, 0) <> coalesce(f.orders, 0)
   or abs(coalesce(m.net_revenue, 0) - coalesce(f.net_revenue, 0)) > 0.01
{% endtest %}
