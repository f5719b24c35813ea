{{ config(
    unique_key=['shop_id', 'shop'],
    indexes=[{'columns': ['shop_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

-- The stores of a multistore installation (PrestaShop calls each one a shop, id_shop). A store
-- that has sold is deactivated, never deleted.
with latest as (
    {{ latest_raw_versions('shops') }}
)

select
    id as shop_id,
    shop,
    {{ ps_id(ps_field('id_shop_group')) }} as shop_group_id,
    {{ ps_field('name') }} as shop_name,
    {{ ps_id(ps_field('id_category')) }} as root_category_id,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ batch_xmin() }} as _batch_xmin
from latest
