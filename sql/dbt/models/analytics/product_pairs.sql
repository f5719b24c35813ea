{{ config(materialized='view') }}

-- Market basket over valid orders, per shop (a basket is one installation's order, its ids the
-- installation's own), from the counts kept by deltas in product_basket_counts ((order, product)
-- counted once: one product can sit on several rows of an order). A pair is ordered a < b; pairs
-- seen in fewer than var('min_pair_orders') orders are left out (noise).
--   support(A,B)      = orders with both / all the shop's valid orders with a line
--   confidence(A->B)  = orders with both / orders with A
--   lift              = confidence(A->B) / support(B) = both * total / (with A * with B)
-- A view: every ratio moves with the total number of orders, so storing them would mean
-- rewriting every pair on every change. "Bought together with A" (product_a_id = A order by
-- lift desc) reads A's pairs through the counts' unique index and two lookups per pair.
select
    p.product_a_id,
    p.shop,
    p.product_b_id,
    p.orders as pair_orders,
    pa.orders as product_a_orders,
    pb.orders as product_b_orders,
    t.orders as total_orders,
    p.orders::numeric / t.orders as support,
    p.orders::numeric / pa.orders as confidence_a_to_b,
    p.orders::numeric / pb.orders as confidence_b_to_a,
    p.orders::numeric * t.orders / (pa.orders * pb.orders) as lift
from {{ ref('product_basket_counts') }} as p
join {{ ref('product_basket_counts') }} as pa
    on pa.product_a_id = p.product_a_id and pa.product_b_id = p.product_a_id and pa.shop = p.shop
join {{ ref('product_basket_counts') }} as pb
    on pb.product_a_id = p.product_b_id and pb.product_b_id = p.product_b_id and pb.shop = p.shop
join {{ ref('product_basket_counts') }} as t
    on t.product_a_id = 0 and t.product_b_id = 0 and t.shop = p.shop
where p.product_a_id < p.product_b_id
  and p.orders >= {{ var('min_pair_orders') }}
