{{ config(
    unique_key=['carrier_id', 'shop'],
    indexes=[{'columns': ['carrier_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

with latest as (
    {{ latest_raw_versions('carriers', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as carrier_id,
    shop,
    {{ ps_id(ps_field('id_reference')) }} as carrier_reference_id,
    {{ ps_field('name') }} as carrier_name,
    {{ ps_i18n('delay') }} as delay,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ ps_bool(ps_field('is_free')) }} as is_free,
    {{ ps_bool(ps_field('is_module')) }} as is_module,
    {{ ps_field('external_module_name') }} as external_module_name,
    {{ batch_xmin() }} as _batch_xmin
from latest
left join lang using (shop)
