{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_id'], 'unique': True},
        {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']},
        {'columns': ['customer_id']},
        {'columns': ['address_delivery_id']},
    ],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where order_id in ({{ changed_ids('orders') }}){% endif %}",
) }}

{#- An order is re-staged when its payload changed, when one of its history rows arrived (the
    status timeline moves even if the order row was loaded earlier), and every order is
    re-staged when the order states or their PS_OS_* configuration ids change (rare, and it
    changes every status group).

    Orders that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the pre-hook removes the previous version of an order whose new version is
    quarantined (delete+insert only replaces the ids of the batch). An order left out because its
    customer did not exist is evaluated again when that customer arrives. -#}
{%- set changed_history_orders -%}
    select {{ ps_id("h.payload ->> 'id_order'") }}
    from {{ source('prestashop', 'order_histories') }} as h
    where h.load_xid >= {{ staging_watermark() }}
    union
    {{ orders_waiting_for_their_customer('order_id') }}
{%- endset -%}
{%- set states_changed -%}
    exists (select 1 from {{ source('prestashop', 'order_states') }} as s where s.load_xid >= {{ staging_watermark() }})
    or {{ configuration_changed(['PS_OS_DELIVERED', 'PS_OS_CANCELED', 'PS_OS_REFUND', 'PS_OS_ERROR', 'PS_OS_OUTOFSTOCK', 'PS_OS_OUTOFSTOCK_PAID', 'PS_OS_OUTOFSTOCK_UNPAID']) }}
{%- endset -%}

with latest as (
    {{ latest_raw_versions('orders', extra_ids=changed_history_orders, restage_all_when=states_changed) }}
),

clean as (
    select * from latest where {{ quarantine_reason('orders', 'latest.payload') }} is null
),

typed as (
    select
        id as order_id,
        {{ ps_field('reference') }} as reference,
        {{ ps_id(ps_field('id_customer')) }} as customer_id,
        {{ ps_id(ps_field('id_address_delivery')) }} as address_delivery_id,
        {{ ps_id(ps_field('id_address_invoice')) }} as address_invoice_id,
        {{ ps_id(ps_field('id_cart')) }} as cart_id,
        {{ ps_id(ps_field('id_currency')) }} as currency_id,
        {{ ps_id(ps_field('id_lang')) }} as lang_id,
        {{ ps_id(ps_field('id_carrier')) }} as carrier_id,
        {{ ps_id(ps_field('id_shop')) }} as shop_id,
        {{ ps_id(ps_field('id_shop_group')) }} as shop_group_id,
        {{ ps_id(ps_field('current_state')) }} as current_state_id,
        nullif({{ ps_field('module') }}, '') as module,
        nullif({{ ps_field('payment') }}, '') as payment,
        {{ ps_bool(ps_field('valid')) }} as is_valid_flag,
        {{ ps_bool(ps_field('gift')) }} as is_gift,
        {{ ps_int(ps_field('invoice_number')) }} as invoice_number,
        -- Zero dates ("0000-00-00 00:00:00": no invoice / delivery slip yet) become NULL.
        {{ ps_timestamp(ps_field('invoice_date')) }} as invoice_date,
        {{ ps_timestamp(ps_field('delivery_date')) }} as delivery_date,
        {{ ps_timestamp(ps_field('date_add')) }} as date_add,
        {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
        -- Amounts are in the order's currency (currency_id); divide by conversion_rate for the
        -- shop's default currency. total_discounts/_shipping/_wrapping/_paid are the tax-incl.
        {{ ps_num(ps_field('total_products')) }} as total_products_tax_excl,
        {{ ps_num(ps_field('total_products_wt')) }} as total_products_tax_incl,
        {{ ps_num(ps_field('total_discounts_tax_excl')) }} as total_discounts_tax_excl,
        {{ ps_num(ps_field('total_discounts_tax_incl')) }} as total_discounts_tax_incl,
        {{ ps_num(ps_field('total_shipping_tax_excl')) }} as total_shipping_tax_excl,
        {{ ps_num(ps_field('total_shipping_tax_incl')) }} as total_shipping_tax_incl,
        {{ ps_num(ps_field('total_wrapping_tax_excl')) }} as total_wrapping_tax_excl,
        {{ ps_num(ps_field('total_wrapping_tax_incl')) }} as total_wrapping_tax_incl,
        {{ ps_num(ps_field('total_paid_tax_excl')) }} as total_paid_tax_excl,
        {{ ps_num(ps_field('total_paid_tax_incl')) }} as total_paid_tax_incl,
        -- Sum of payments received so far; not the order value.
        {{ ps_num(ps_field('total_paid_real')) }} as total_paid_real,
        {{ ps_num(ps_field('carrier_tax_rate')) }} as carrier_tax_rate,
        {{ ps_num(ps_field('conversion_rate')) }} as conversion_rate,
        {{ ps_int(ps_field('round_mode')) }} as round_mode,
        {{ ps_int(ps_field('round_type')) }} as round_type,
        case when jsonb_typeof(payload -> 'associations' -> 'order_rows') = 'array'
             then jsonb_array_length(payload -> 'associations' -> 'order_rows') else 0 end as order_row_count,
        -- Which raw version was staged: stg_order_rows explodes the lines of exactly this one.
        payload_hash as _payload_hash
    from clean
),

-- The status timeline: the first time the order entered a state with each property.
timeline as (
    select
        h.order_id,
        min(h.date_add) filter (where s.is_paid) as paid_at,
        min(h.date_add) filter (where s.is_shipped) as shipped_at,
        min(h.date_add) filter (where s.is_delivered_state) as delivered_at,
        min(h.date_add) filter (where s.is_cancelled_state) as cancelled_at,
        min(h.date_add) filter (where s.is_refunded_state) as refunded_at,
        count(*) as history_count
    from {{ ref('stg_order_histories') }} as h
    join {{ ref('stg_order_states') }} as s on s.order_state_id = h.order_state_id
    where h.order_id in (select order_id from typed)
    group by h.order_id
)

select
    o.*,
    t.paid_at,
    t.shipped_at,
    t.delivered_at,
    t.cancelled_at,
    t.refunded_at,
    coalesce(t.history_count, 0) as history_count,
    -- PrestaShop's own definition of a valid order (orders.valid = the current state's logable
    -- flag); the order's own flag only when its state is unknown.
    coalesce(s.is_logable, o.is_valid_flag, false) as is_valid,
    coalesce(s.is_paid, false) as is_paid,
    coalesce(s.status_group, 'unknown') as status_group,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from typed as o
left join timeline as t on t.order_id = o.order_id
left join {{ ref('stg_order_states') }} as s on s.order_state_id = o.current_state_id
