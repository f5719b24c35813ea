{#- Explosion reconciliation: each staged order has as many staged lines as its staged
    version's associations.order_rows (stg_orders.order_row_count). -#}
{% test order_rows_match_orders(model) %}
select o.order_id, o.shop, o.order_row_count, count(r.order_id) as staged_rows
from {{ ref('stg_orders') }} as o
left join {{ model }} as r on r.order_id = o.order_id and r.shop = o.shop
group by o.order_id, o.shop, o.order_row_count
having o.order_row_count <> count(r.order_id)
{% endtest %}
