{{ config(
    unique_key=['order_payment_id', 'shop'],
    indexes=[{'columns': ['order_payment_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}, {'columns': ['order_reference']}],
) }}

-- Payments. PrestaShop keys them by the order's 9-letter reference, not its id: one reference
-- covers every order of a split cart. The card fields a payment module may fill (holder,
-- number, expiry) are personal data and are not staged.
with latest as (
    {{ latest_raw_versions('order_payments') }}
)

select
    id as order_payment_id,
    shop,
    {{ ps_field('order_reference') }} as order_reference,
    {{ ps_id(ps_field('id_currency')) }} as currency_id,
    {{ ps_num(ps_field('amount')) }} as amount,
    coalesce({{ ps_num(ps_field('conversion_rate')) }}, 1) as conversion_rate,
    {{ ps_field('payment_method') }} as payment_method,
    nullif({{ ps_field('transaction_id') }}, '') as transaction_id,
    {{ ps_timestamp(ps_field('date_add')) }} as paid_at,
    {{ ps_timestamp(ps_field('date_add')) }}::date as payment_date,
    removed_at is not null as is_removed,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
