{#- Exactly ten top products in every month of a shop that sold more than ten (all of them
    otherwise): products are ranked within their shop's month. -#}
{% test top10_per_month(model) %}
select month_start, shop, count(*) as products, count(*) filter (where is_top10) as top10
from {{ model }}
group by month_start, shop
having count(*) filter (where is_top10) <> least(count(*), 10)
{% endtest %}
