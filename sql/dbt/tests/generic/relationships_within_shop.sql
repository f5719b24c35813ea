{#- dbt's relationships test, within a shop: every non-NULL `column_name` names a `field` of `to`
    in the same shop (staging keys are (id, shop): customer 7 of one shop is not customer 7 of
    another). -#}
{% test relationships_within_shop(model, column_name, to, field) %}
select c.{{ column_name }} as missing_id, c.shop
from {{ model }} as c
where c.{{ column_name }} is not null
  and not exists (
      select 1 from {{ to }} as p
      where p.{{ field }} = c.{{ column_name }} and p.shop = c.shop
  )
{% endtest %}
