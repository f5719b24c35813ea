{{ config(
    unique_key='customer_id',
    indexes=[{'columns': ['customer_id'], 'unique': True}, {'columns': ['_batch_xmin']}],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where customer_id in ({{ changed_ids('customers') }}){% endif %}",
) }}

{#- Records that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the pre-hook removes the previous version of an id whose new version is
    quarantined. -#}

with latest as (
    {{ latest_raw_versions('customers') }}
)

select
    id as customer_id,
    lower(trim({{ ps_field('email') }})) as email,
    {{ ps_field('firstname') }} as firstname,
    {{ ps_field('lastname') }} as lastname,
    {{ ps_field('company') }} as company,
    {{ ps_id(ps_field('id_gender')) }} as gender_id,
    {{ ps_id(ps_field('id_lang')) }} as lang_id,
    {{ ps_id(ps_field('id_default_group')) }} as default_group_id,
    {{ ps_id(ps_field('id_shop')) }} as shop_id,
    {{ ps_date(ps_field('birthday')) }} as birthday,
    {{ ps_bool(ps_field('is_guest')) }} as is_guest,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ ps_bool(ps_field('newsletter')) }} as has_newsletter,
    {{ ps_bool(ps_field('optin')) }} as has_optin,
    {{ ps_timestamp(ps_field('newsletter_date_add')) }} as newsletter_date_add,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    {{ batch_xmin() }} as _batch_xmin
from latest
where {{ quarantine_reason('customers', 'latest.payload') }} is null
