{{ config(
    unique_key=['product_id', 'shop'],
    indexes=[{'columns': ['product_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where (product_id, shop) in ({{ changed_ids('products') }}){% endif %}",
) }}

{#- Records that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the pre-hook removes the previous version of an id whose new version is
    quarantined. -#}

with latest as (
    {{ latest_raw_versions('products', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

-- Each payload parsed once and judged by the quarantine rules (macros/quarantine.sql).
checked as (
    {{ checked_payloads('products', 'latest') }}
),

lang as (
    {{ default_language() }}
)

select
    id as product_id,
    shop,
    {{ ps_i18n('name') }} as product_name,
    reference__text as reference,
    nullif(id_category_default__value, 0) as category_id,
    nullif(id_manufacturer__value, 0) as manufacturer_id,
    nullif(id_supplier__value, 0) as supplier_id,
    -- Base price, tax excluded, and the current wholesale (purchase) price, both in the shop's
    -- default currency. The wholesale price is today's, not the one at the time of a sale.
    price__value as price,
    wholesale_price__value as wholesale_price,
    product_type__text as product_type,
    active__value as is_active,
    on_sale__value as is_on_sale,
    available_for_order__value as is_available_for_order,
    available_date__value as available_date,
    date_add__value as date_add,
    date_upd__value as date_upd,
    -- Gone from the shop (a hard delete, found by the delete sweep): the row keeps the last
    -- values the shop sent.
    removed_at is not null as is_removed,
    removed_at,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from checked
left join lang using (shop)
where quarantine_reason is null
