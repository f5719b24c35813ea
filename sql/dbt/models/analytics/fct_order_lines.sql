{{ config(indexes=[
    {'columns': ['order_detail_id'], 'unique': True},
    {'columns': ['order_date']},
    {'columns': ['product_id', 'order_date']},
    {'columns': ['customer_id', 'order_date']},
    {'columns': ['country_id', 'order_date']},
    {'columns': ['order_id']},
]) }}

select * from {{ ref('int_order_lines') }}
