{{ config(
    unique_key=['country_id', 'shop'],
    indexes=[{'columns': ['country_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}],
) }}

with latest as (
    {{ latest_raw_versions('countries', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as country_id,
    shop,
    {{ ps_id(ps_field('id_zone')) }} as zone_id,
    {{ ps_id(ps_field('id_currency')) }} as currency_id,
    upper({{ ps_field('iso_code') }}) as iso_code,
    {{ ps_i18n('name') }} as country_name,
    {{ ps_field('call_prefix') }} as call_prefix,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('contains_states')) }} as contains_states,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
left join lang using (shop)
