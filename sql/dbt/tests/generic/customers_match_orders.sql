{#- Customer dimension <-> fact reconciliation: each customer's lifetime_orders and
    lifetime_value equal the count and net revenue of their valid orders in fct_orders, in their
    own shop (0.01 tolerance for numeric noise). -#}
{% test customers_match_orders(model) %}
with fact as (
    select customer_id, shop, count(*) as orders, sum(net_revenue) as net_revenue
    from {{ ref('fct_orders') }}
    where is_valid and customer_id <> -1
    group by 1, 2
)
select m.customer_id, m.shop, m.lifetime_orders, f.orders as fact_orders,
       m.lifetime_value, f.net_revenue as fact_net_revenue
from {{ model }} as m
left join fact as f on f.customer_id = m.customer_id and f.shop = m.shop
where m.customer_id <> -1
  and (m.lifetime_orders <> coalesce(f.orders, 0)
       or abs(m.lifetime_value - coalesce(f.net_revenue, 0)) > 0.01)
{% endtest %}
