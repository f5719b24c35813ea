{{ config(
    unique_key=['customer_id', 'shop'],
    indexes=[{'columns': ['customer_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where (customer_id, shop) in ({{ changed_ids('customers') }}){% endif %}",
) }}

{#- Records that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the pre-hook removes the previous version of an id whose new version is
    quarantined. -#}

with latest as (
    {{ latest_raw_versions('customers') }}
),

-- Each payload parsed once and judged by the quarantine rules (macros/quarantine.sql).
checked as (
    {{ checked_payloads('customers', 'latest') }}
)

select
    id as customer_id,
    shop,
    lower(trim(email__text)) as email,
    firstname__text as firstname,
    lastname__text as lastname,
    company__text as company,
    nullif(id_gender__value, 0) as gender_id,
    nullif(id_lang__value, 0) as lang_id,
    nullif(id_default_group__value, 0) as default_group_id,
    nullif(id_shop__value, 0) as shop_id,
    birthday__value as birthday,
    is_guest__value as is_guest,
    active__value as is_active,
    deleted__value as is_deleted,
    newsletter__value as has_newsletter,
    optin__value as has_optin,
    newsletter_date_add__value as newsletter_date_add,
    date_add__value as date_add,
    date_upd__value as date_upd,
    -- Gone from the shop (a hard delete, found by the delete sweep): the row keeps the last
    -- values the shop sent.
    removed_at is not null as is_removed,
    removed_at,
    {{ batch_xmin() }} as _batch_xmin
from checked
where quarantine_reason is null
