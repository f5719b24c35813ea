{#- dbt's relationships test, within a shop: every non-NULL `column_name` names a `field` of `to`
    in the same shop (staging keys are (id, shop): customer 7 of one shop is not customer 7 of
    another). With unless_unchosen_order, a row whose order (column_name) is in raw an order of a
    store its installation does not report is allowed: that order was left out of stg_orders on
    purpose (macros/store_selection.sql). -#}
{% test relationships_within_shop(model, column_name, to, field, unless_unchosen_order=false) %}
select c.{{ column_name }} as missing_id, c.shop
from {{ model }} as c
where c.{{ column_name }} is not null
  and not exists (
      select 1 from {{ to }} as p
      where p.{{ field }} = c.{{ column_name }} and p.shop = c.shop
  )
  {%- if unless_unchosen_order %}
  and not {{ order_of_unchosen_store('c.' ~ column_name, 'c.shop') }}
  {%- endif %}
{% endtest %}
