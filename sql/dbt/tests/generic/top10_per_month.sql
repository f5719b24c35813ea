{#- Exactly ten top products in every month that sold more than ten (all of them otherwise). -#}
{% test top10_per_month(model) %}
select month_start, count(*) as products, count(*) filter (where is_top10) as top10
from {{ model }}
group by month_start
having count(*) filter (where is_top10) <> least(count(*), 10)
{% endtest %}
