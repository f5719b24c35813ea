{#- Header vs lines (PrestaShop round modes): an order's products total, tax excluded, equals the
    sum of its lines' unit price x quantity within a cent per line. -#}
{% test lines_match_header(model) %}
select o.order_id, o.shop, o.products_tax_excl, l.lines_tax_excl, o.line_count
from {{ model }} as o
join (
    select order_id, shop, sum(line_revenue_tax_excl) as lines_tax_excl
    from {{ ref('fct_order_lines') }} group by 1, 2
) as l on l.order_id = o.order_id and l.shop = o.shop
where abs(o.products_tax_excl - l.lines_tax_excl) > greatest(0.01 * o.line_count, 0.01)
{% endtest %}
