{{ config(
    unique_key=['order_slip_id', 'shop'],
    indexes=[{'columns': ['order_slip_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}, {'columns': ['order_id']}],
) }}

-- Credit slips: one per refund. Amounts are in the order's currency, as PrestaShop stores them;
-- conversion_rate is the currency's rate when the refund was made. A refund changes neither
-- the order's totals nor its date_upd: the slip is the only record of it.
with latest as (
    {{ latest_raw_versions('order_slip') }}
)

select
    id as order_slip_id,
    shop,
    {{ ps_id(ps_field('id_order')) }} as order_id,
    {{ ps_id(ps_field('id_customer')) }} as customer_id,
    coalesce({{ ps_num(ps_field('conversion_rate')) }}, 1) as conversion_rate,
    {{ ps_num(ps_field('total_products_tax_excl')) }} as total_products_tax_excl,
    {{ ps_num(ps_field('total_products_tax_incl')) }} as total_products_tax_incl,
    {{ ps_num(ps_field('total_shipping_tax_excl')) }} as total_shipping_tax_excl,
    {{ ps_num(ps_field('total_shipping_tax_incl')) }} as total_shipping_tax_incl,
    {{ ps_num(ps_field('amount')) }} as amount,
    {{ ps_num(ps_field('shipping_cost_amount')) }} as shipping_cost_amount,
    {{ ps_int(ps_field('order_slip_type')) }} as order_slip_type,
    {{ ps_timestamp(ps_field('date_add')) }} as slip_created_at,
    {{ ps_timestamp(ps_field('date_add')) }}::date as slip_date,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    -- Refunded products, tax excluded, in the shop's default currency: what the revenue
    -- definition (net of tax, shipping and discounts) loses to this slip.
    {{ ps_num(ps_field('total_products_tax_excl')) }}
        / nullif(coalesce({{ ps_num(ps_field('conversion_rate')) }}, 1), 0) as refunded_products_net,
    removed_at is not null as is_removed,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
