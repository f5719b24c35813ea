{{ config(
    unique_key=['address_id', 'shop'],
    indexes=[{'columns': ['address_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}],
) }}

-- Deleted addresses are kept: PrestaShop copies an address that a placed order used instead of
-- editing it, so an order's address id is an immutable snapshot that must stay resolvable.
with latest as (
    {{ latest_raw_versions('addresses') }}
)

select
    id as address_id,
    shop,
    {{ ps_id(ps_field('id_customer')) }} as customer_id,
    {{ ps_id(ps_field('id_country')) }} as country_id,
    {{ ps_id(ps_field('id_state')) }} as state_id,
    {{ ps_field('alias') }} as alias,
    {{ ps_field('company') }} as company,
    {{ ps_field('firstname') }} as firstname,
    {{ ps_field('lastname') }} as lastname,
    {{ ps_field('address1') }} as address1,
    {{ ps_field('address2') }} as address2,
    {{ ps_field('postcode') }} as postcode,
    {{ ps_field('city') }} as city,
    {{ ps_bool(ps_field('deleted')) }} as is_deleted,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    -- Gone from the shop (a hard delete, found by the delete sweep): the row keeps the last
    -- values the shop sent.
    removed_at is not null as is_removed,
    removed_at,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
