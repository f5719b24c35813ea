{#- The credit slips of an order cannot refund more than it sold: their products (tax included)
    and their shipping add up to at most the order's, to the cent. -#}
{% test slips_within_order(model) %}
select s.order_id, s.shop, sum(s.total_products_tax_incl) as slips_products,
       o.total_products_tax_incl, sum(s.total_shipping_tax_incl) as slips_shipping,
       o.total_shipping_tax_incl
from {{ model }} as s
join {{ ref('stg_orders') }} as o on o.order_id = s.order_id and o.shop = s.shop
where not s.is_removed
group by s.order_id, s.shop, o.total_products_tax_incl, o.total_shipping_tax_incl
having sum(s.total_products_tax_incl) > o.total_products_tax_incl + 0.01
    or sum(s.total_shipping_tax_incl) > o.total_shipping_tax_incl + 0.01
{% endtest %}
