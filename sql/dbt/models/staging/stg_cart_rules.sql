{{ config(
    unique_key=['cart_rule_id', 'shop'],
    indexes=[{'columns': ['cart_rule_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

-- Cart rules: vouchers (a code) and automatic promotions, with what they take off.
with latest as (
    {{ latest_raw_versions('cart_rules', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as cart_rule_id,
    shop,
    nullif({{ ps_field('code') }}, '') as code,
    {{ ps_i18n('name') }} as cart_rule_name,
    {{ ps_id(ps_field('id_customer')) }} as customer_id,
    {{ ps_num(ps_field('reduction_percent')) }} as reduction_percent,
    {{ ps_num(ps_field('reduction_amount')) }} as reduction_amount,
    {{ ps_bool(ps_field('free_shipping')) }} as is_free_shipping,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_int(ps_field('quantity')) }} as quantity_left,
    {{ ps_timestamp(ps_field('date_from')) }} as valid_from,
    {{ ps_timestamp(ps_field('date_to')) }} as valid_to,
    removed_at is not null as is_removed,
    {{ batch_xmin() }} as _batch_xmin
from latest
left join lang using (shop)
