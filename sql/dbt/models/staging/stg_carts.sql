{{ config(
    unique_key=['cart_id', 'shop'],
    indexes=[{'columns': ['cart_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}, {'columns': ['updated_at']}],
    post_hook="{{ record_store_selection() }}",
) }}

-- Carts, ordered or not (stg_orders.cart_id says which became an order). A visitor who never
-- logged in has no customer (id_customer 0 -> NULL). `products` and `units` count the rows of
-- the cart's latest version: what it held when it was last touched.
with latest as (
    {{ latest_raw_versions('carts') }}
)

select
    id as cart_id,
    shop,
    {{ ps_id(ps_field('id_customer')) }} as customer_id,
    {{ ps_id(ps_field('id_guest')) }} as guest_id,
    {{ ps_id(ps_field('id_currency')) }} as currency_id,
    {{ ps_id(ps_field('id_shop')) }} as shop_id,
    {{ ps_timestamp(ps_field('date_add')) }} as created_at,
    {{ ps_timestamp(ps_field('date_add')) }}::date as cart_date,
    {{ ps_timestamp(ps_field('date_upd')) }} as updated_at,
    coalesce(rows.products, 0) as products,
    coalesce(rows.units, 0) as units,
    removed_at is not null as is_removed,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
left join lateral (
    select count(*) as products, sum({{ ps_int("r ->> 'quantity'") }}) as units
    from jsonb_array_elements(
        case when jsonb_typeof(payload -> 'associations' -> 'cart_rows') = 'array'
             then payload -> 'associations' -> 'cart_rows' else '[]'::jsonb end
    ) as r
) as rows on true
-- The chosen stores' carts (macros/store_selection.sql).
where {{ store_chosen('latest.shop', ps_id(ps_field('id_shop'))) }}
