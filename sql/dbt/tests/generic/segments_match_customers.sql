{#- The segment summary counts the customers and revenue of customer_rfm, segment by segment
    in each shop.
    WARN: the two views are refreshed one after the other, and a reader between them may see
    one refresh ahead. -#}
{% test segments_match_customers(model) %}
with customers as (
    select rfm_segment, shop, count(*) as customers, sum(monetary) as revenue
    from {{ ref('customer_rfm') }}
    group by 1, 2
)
select coalesce(s.rfm_segment, c.rfm_segment) as rfm_segment, coalesce(s.shop, c.shop) as shop,
       s.customers, c.customers as rfm_customers,
       s.revenue, c.revenue as rfm_revenue
from {{ model }} as s
full join customers as c on c.rfm_segment = s.rfm_segment and c.shop = s.shop
where s.customers is distinct from c.customers or abs(coalesce(s.revenue, 0) - coalesce(c.revenue, 0)) > 0.01
{% endtest %}
