{{ config(
    unique_key=['configuration_id', 'shop'],
    indexes=[{'columns': ['configuration_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['name']}],
) }}

with latest as (
    {{ latest_raw_versions('configurations') }}
)

select
    id as configuration_id,
    shop,
    {{ ps_field('name') }} as name,
    {{ ps_field('value') }} as value,
    {{ ps_id(ps_field('id_shop_group')) }} as id_shop_group,
    {{ ps_id(ps_field('id_shop')) }} as id_shop,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    {{ batch_xmin() }} as _batch_xmin
from latest
