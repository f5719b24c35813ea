{#- Incremental (macros/incremental_marts.sql): a build rewrites the lines of the changed orders
    and of the orders holding a changed product. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='row_diff',
    unique_key='order_id',
    row_key=['order_detail_id', 'shop'],
    removed_columns=['shop', 'order_id', 'customer_id', 'month_start', 'product_id', 'is_valid', '_mart_xid', 'country_id', 'category_id'],
    on_schema_change='fail',
    pre_hook="{{ begin_incremental_mart('order_id', affected_orders_by_product(mart_watermark())) }}",
    post_hook=[
        "{{ end_incremental_mart('order_id') }}",
    ],
    indexes=[
    {'columns': ['order_detail_id', 'shop'], 'unique': True},
    {'columns': ['order_date']},
    {'columns': ['product_id', 'order_date', 'quantity', 'net_line_revenue']},
    {'columns': ['customer_id', 'order_date']},
    {'columns': ['country_id', 'order_date']},
    {'columns': ['order_id']},
    {'columns': ['month_start']},
    {'columns': ['_mart_xid']},
]) }}

-- (product_id, order_date, quantity, net_line_revenue): one product's daily sales can be an
-- index-only scan instead of a heap page per line (dbt-postgres indexes have no INCLUDE).

-- _mart_xid: the transaction that wrote the line (see fct_orders).
select l.*, {{ staged_xid() }} as _mart_xid
from ({{ order_line_context(affected_keys()) }}) as l
