{{ config(
    unique_key='product_id',
    indexes=[{'columns': ['product_id'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where product_id in ({{ changed_ids('products') }}){% endif %}",
) }}

{#- Records that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the pre-hook removes the previous version of an id whose new version is
    quarantined. -#}

with latest as (
    {{ latest_raw_versions('products', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as product_id,
    {{ ps_i18n('name') }} as product_name,
    {{ ps_field('reference') }} as reference,
    {{ ps_id(ps_field('id_category_default')) }} as category_id,
    {{ ps_id(ps_field('id_manufacturer')) }} as manufacturer_id,
    {{ ps_id(ps_field('id_supplier')) }} as supplier_id,
    -- Base price, tax excluded, and the current wholesale (purchase) price, both in the shop's
    -- default currency. The wholesale price is today's, not the one at the time of a sale.
    {{ ps_num(ps_field('price')) }} as price,
    {{ ps_num(ps_field('wholesale_price')) }} as wholesale_price,
    {{ ps_field('product_type') }} as product_type,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('on_sale')) }} as is_on_sale,
    {{ ps_bool(ps_field('available_for_order')) }} as is_available_for_order,
    {{ ps_date(ps_field('available_date')) }} as available_date,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
cross join lang
where {{ quarantine_reason('products', 'latest.payload') }} is null
