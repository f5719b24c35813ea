{#- A state change cannot predate the order it belongs to. -#}
{% test order_history_after_order(model) %}
select h.order_history_id, h.shop, h.date_add, o.date_add as order_date_add
from {{ model }} as h
join {{ ref('stg_orders') }} as o on o.order_id = h.order_id and o.shop = h.shop
where h.date_add < o.date_add
{% endtest %}
