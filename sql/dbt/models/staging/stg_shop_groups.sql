{{ config(
    unique_key=['shop_group_id', 'shop'],
    indexes=[{'columns': ['shop_group_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

-- Store groups: a group that shares orders lists every order of its stores in each store's
-- context, one that shares customers lets a customer buy in all of them.
with latest as (
    {{ latest_raw_versions('shop_groups') }}
)

select
    id as shop_group_id,
    shop,
    {{ ps_field('name') }} as shop_group_name,
    {{ ps_bool(ps_field('share_customer')) }} as shares_customers,
    {{ ps_bool(ps_field('share_order')) }} as shares_orders,
    {{ ps_bool(ps_field('share_stock')) }} as shares_stock,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ batch_xmin() }} as _batch_xmin
from latest
