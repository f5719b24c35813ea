{{ config(
    unique_key=['stock_available_id', 'shop'],
    indexes=[{'columns': ['stock_available_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['product_id']}],
    post_hook="{{ record_store_selection() }}",
) }}

-- Stock per product and combination, as PrestaShop's stock_available holds it: `quantity` is
-- what can be sold (physical minus reserved). products.quantity is not read: it is not kept
-- in step with this table.
with latest as (
    {{ latest_raw_versions('stock_availables') }}
)

select
    id as stock_available_id,
    shop,
    {{ ps_id(ps_field('id_product')) }} as product_id,
    coalesce({{ ps_int(ps_field('id_product_attribute')) }}, 0) as product_attribute_id,
    {{ ps_int(ps_field('id_shop')) }} as shop_id,
    {{ ps_int(ps_field('quantity')) }} as quantity,
    {{ ps_int(ps_field('out_of_stock')) }} as out_of_stock_policy,
    removed_at is not null as is_removed,
    {{ batch_xmin() }} as _batch_xmin
from latest
-- The chosen stores' stock, and the stock a group shares when it holds a chosen store
-- (macros/store_selection.sql).
where {{ store_chosen('latest.shop', ps_int(ps_field('id_shop')), group=ps_int(ps_field('id_shop_group'))) }}
