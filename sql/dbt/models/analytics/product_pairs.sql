{{ config(indexes=[
    {'columns': ['product_a_id', 'product_b_id'], 'unique': True},
    {'columns': ['product_a_id', 'lift']},
    {'columns': ['lift']},
]) }}

-- (product_a_id, lift): "bought together with A" (product_a_id = A order by lift desc limit n)
-- reads the top of that index backwards instead of every pair of A, then a sort.

-- Market basket over valid orders. (order, product) is de-duplicated first: one product can sit
-- on several rows of an order (combinations). A pair is ordered a < b; pairs seen in fewer than
-- var('min_pair_orders') orders are left out (noise).
--   support(A,B)      = orders with both / all valid orders with a line
--   confidence(A->B)  = orders with both / orders with A
--   lift              = confidence(A->B) / support(B) = both * total / (with A * with B)
with baskets as (
    select distinct order_id, product_id
    from {{ ref('fct_order_lines') }}
    where is_valid and product_id <> -1
),

totals as (
    select count(distinct order_id) as total_orders from baskets
),

product_orders as (
    select product_id, count(*) as orders_with_product from baskets group by 1
),

pairs as (
    select a.product_id as product_a_id, b.product_id as product_b_id, count(*) as pair_orders
    from baskets as a
    join baskets as b on b.order_id = a.order_id and a.product_id < b.product_id
    group by 1, 2
    having count(*) >= {{ var('min_pair_orders') }}
)

select
    p.product_a_id,
    p.product_b_id,
    p.pair_orders,
    pa.orders_with_product as product_a_orders,
    pb.orders_with_product as product_b_orders,
    t.total_orders,
    p.pair_orders::numeric / t.total_orders as support,
    p.pair_orders::numeric / pa.orders_with_product as confidence_a_to_b,
    p.pair_orders::numeric / pb.orders_with_product as confidence_b_to_a,
    p.pair_orders::numeric * t.total_orders / (pa.orders_with_product * pb.orders_with_product) as lift
from pairs as p
cross join totals as t
join product_orders as pa on pa.product_id = p.product_a_id
join product_orders as pb on pb.product_id = p.product_b_id
