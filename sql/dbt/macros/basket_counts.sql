{#- product_basket_counts by deltas. A build finds the orders whose lines were written or deleted
    in fct_order_lines since its watermark (changed_fact_keys), and for each:

    - the basket it has now: its valid lines in the fact;
    - the basket it had at the last build: its lines deleted since that existed then (the
      deleted row's _mart_xid at or below the watermark, staging.removed_fact_rows) and its
      lines still in the fact from then (a fact rewrites every line of a changed order, so
      these are rare).

    Baskets are (order, shop): order and product ids are an installation's own, so a pair, a
    product and the total are counted per shop.

    Each pair, product and the (0, 0) total of a shop moves by (+1 per new basket holding it) -
    (1 per old basket holding it); the watermark is the fact's high-water xid, as for the other
    aggregates over the facts (fact_high_water). -#}

{%- macro valid_baskets(orders=none) -%}
select distinct l.order_id, l.shop, l.product_id
from {{ ref('fct_order_lines') }} as l
where l.is_valid and l.product_id <> -1
{%- if orders %}
  and (l.order_id, l.shop) in ({{ orders }})
{%- endif %}
{%- endmacro -%}

{%- macro begin_basket_counts() -%}
select
    set_config('phc.mart_xmin', {{ fact_high_water('fct_order_lines') }}::text, true),
    set_config('phc.mart_started_at', clock_timestamp()::text, true),
    set_config('phc.mart_incremental', '{{ "true" if is_incremental() else "false" }}', true);
{%- if is_incremental() %}
{%- set since = mart_watermark() %}
create temporary table phc_basket_delta on commit drop as
with changed as (
    {{ changed_fact_keys('fct_order_lines', 'order_id', since) }}
),
new_basket as (
    {{ valid_baskets('select order_id, shop from changed') }}
),
old_basket as (
    select distinct b.order_id, b.shop, b.product_id
    from (
        select r.order_id, r.shop, r.product_id from staging.removed_fact_rows as r
        where r.fact = 'fct_order_lines' and r.removed_xid > {{ since }}
          and r._mart_xid <= {{ since }} and r.is_valid and r.product_id <> -1
        union all
        select l.order_id, l.shop, l.product_id from {{ ref('fct_order_lines') }} as l
        where (l.order_id, l.shop) in (select order_id, shop from changed)
          and l._mart_xid <= {{ since }} and l.is_valid and l.product_id <> -1
    ) as b
),
signed as (
    select order_id, shop, product_id, 1 as sign from new_basket
    union all
    select order_id, shop, product_id, -1 from old_basket
),
deltas as (
    select a.product_id as product_a_id, a.shop, b.product_id as product_b_id, a.sign
    from signed as a
    join signed as b
        on b.order_id = a.order_id and b.shop = a.shop and b.sign = a.sign and a.product_id < b.product_id
    union all
    select product_id, shop, product_id, sign from signed
    union all
    select 0, shop, 0, 1 from (select distinct order_id, shop from new_basket) as n
    union all
    select 0, shop, 0, -1 from (select distinct order_id, shop from old_basket) as o
)
select product_a_id, shop, product_b_id, sum(sign)::bigint as orders
from deltas
group by 1, 2, 3
having sum(sign) <> 0;
analyze phc_basket_delta;
create temporary table phc_basket_before (
    product_a_id bigint, shop text, product_b_id bigint, orders bigint
) on commit drop;
with gone as (
    delete from {{ this }} as t
    using phc_basket_delta as d
    where t.product_a_id = d.product_a_id and t.product_b_id = d.product_b_id and t.shop = d.shop
    returning t.product_a_id, t.shop, t.product_b_id, t.orders
),
kept as (
    insert into phc_basket_before select * from gone
)
select set_config('phc.mart_deleted', count(*)::text, true) from gone;
{%- endif %}
{%- endmacro -%}
