{{ config(indexes=[
    {'columns': ['order_detail_id'], 'unique': True},
    {'columns': ['order_date']},
    {'columns': ['product_id', 'order_date', 'quantity', 'net_line_revenue']},
    {'columns': ['customer_id', 'order_date']},
    {'columns': ['country_id', 'order_date']},
    {'columns': ['order_id']},
]) }}

-- (product_id, order_date, quantity, net_line_revenue): one product's daily sales can be an
-- index-only scan instead of a heap page per line (dbt-postgres indexes have no INCLUDE).

select * from {{ ref('int_order_lines') }}
