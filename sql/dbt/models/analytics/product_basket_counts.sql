{#- The counts behind product_pairs, kept by deltas (macros/basket_counts.sql): a build subtracts
    the basket each changed order had at the last build and adds the one it has now, so its
    cost follows the orders that changed, not the history. Every lift moves with the total
    number of orders, so lift and its ratios are computed by the product_pairs view, not stored.

    Rows, per shop (valid orders, one (order, product) counted once):
      product_a_id < product_b_id   orders holding both products;
      product_a_id = product_b_id   orders holding that product;
      (0, 0)                        orders holding any product. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    unique_key=['product_a_id', 'product_b_id', 'shop'],
    on_schema_change='fail',
    pre_hook="{{ begin_basket_counts() }}",
    post_hook="{{ end_incremental_mart('product_a_id', written_mark='_mart_xid') }}",
    indexes=[
    {'columns': ['product_a_id', 'product_b_id', 'shop'], 'unique': True},
    {'columns': ['_mart_xid']},
]) }}

{%- if is_incremental() %}
-- The affected counts, moved by the deltas; a count that reaches 0 is not written back.
select d.product_a_id, d.shop, d.product_b_id, coalesce(o.orders, 0) + d.orders as orders,
       {{ staged_xid() }} as _mart_xid
from phc_basket_delta as d
left join phc_basket_before as o
    on o.product_a_id = d.product_a_id and o.product_b_id = d.product_b_id and o.shop = d.shop
where coalesce(o.orders, 0) + d.orders > 0
{%- else %}
with baskets as (
    {{ valid_baskets() }}
)
select a.product_id as product_a_id, a.shop, b.product_id as product_b_id, count(*) as orders,
       {{ staged_xid() }} as _mart_xid
from baskets as a
join baskets as b on b.order_id = a.order_id and b.shop = a.shop and a.product_id < b.product_id
group by 1, 2, 3
union all
select product_id, shop, product_id, count(*), {{ staged_xid() }} from baskets group by 1, 2
union all
select 0, shop, 0, count(distinct order_id), {{ staged_xid() }} from baskets group by shop
{%- endif %}
