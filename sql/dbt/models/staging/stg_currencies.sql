{{ config(
    unique_key=['currency_id', 'shop'],
    indexes=[{'columns': ['currency_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

with latest as (
    {{ latest_raw_versions('currencies', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as currency_id,
    shop,
    upper({{ ps_field('iso_code') }}) as iso_code,
    -- `names` is the multilingual getter; `name` a plain string in every PrestaShop version.
    coalesce({{ ps_i18n('names') }}, {{ ps_i18n('name') }}) as currency_name,
    {{ ps_i18n('symbol') }} as symbol,
    {{ ps_int(ps_field('precision')) }} as decimals,
    {{ ps_num(ps_field('conversion_rate')) }} as conversion_rate,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ batch_xmin() }} as _batch_xmin
from latest
left join lang using (shop)
