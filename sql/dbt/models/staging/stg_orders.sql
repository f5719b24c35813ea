{{ config(
    unique_key=['order_id', 'shop'],
    indexes=[
        {'columns': ['order_id', 'shop'], 'unique': True},
        {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']},
        {'columns': ['customer_id']},
        {'columns': ['address_delivery_id']},
        {'columns': ['reference']},
        {'columns': ['cart_id']},
    ],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where (order_id, shop) in ({{ changed_ids('orders') }}){% endif %}",
    post_hook="{{ record_store_selection() }}",
) }}

{#- An order is re-staged when its payload changed, when one of its history rows arrived (the
    status timeline moves even if the order row was loaded earlier), and every order is
    re-staged when the order states or their PS_OS_* configuration ids change (rare, and it
    changes every status group).

    Orders that fail a quarantine rule (macros/quarantine.sql) are left out and listed in
    stg_quarantine; the orders of stores the shops file does not choose are left out too
    (macros/store_selection.sql). The pre-hook removes the previous version of an order whose
    new version is quarantined (delete+insert only replaces the ids of the batch). An order left out because its
    customer did not exist is evaluated again when that customer arrives. -#}
{%- set changed_history_orders -%}
    select {{ ps_id("h.payload ->> 'id_order'") }}, h.shop
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

-- Each payload parsed once and judged by the quarantine rules (macros/quarantine.sql); the
-- typed columns are the values the rules already read.
checked as (
    {{ checked_payloads('orders', 'latest') }}
),

typed as (
    select
        id as order_id,
        shop,
        reference__text as reference,
        nullif(id_customer__value, 0) as customer_id,
        nullif(id_address_delivery__value, 0) as address_delivery_id,
        nullif(id_address_invoice__value, 0) as address_invoice_id,
        nullif(id_cart__value, 0) as cart_id,
        nullif(id_currency__value, 0) as currency_id,
        nullif(id_lang__value, 0) as lang_id,
        nullif(id_carrier__value, 0) as carrier_id,
        nullif(id_shop__value, 0) as shop_id,
        nullif(id_shop_group__value, 0) as shop_group_id,
        nullif(current_state__value, 0) as current_state_id,
        nullif(module__text, '') as module,
        nullif(payment__text, '') as payment,
        valid__value as is_valid_flag,
        gift__value as is_gift,
        invoice_number__value as invoice_number,
        -- Zero dates ("0000-00-00 00:00:00": no invoice / delivery slip yet) become NULL.
        invoice_date__value as invoice_date,
        delivery_date__value as delivery_date,
        date_add__value as date_add,
        date_upd__value as date_upd,
        -- Deleted through the Webservice (the back office cannot): kept, with its lines, as
        -- PrestaShop keeps the lines, payments and slips (docs/models.md, deletes).
        removed_at is not null as is_removed,
        -- Amounts are in the order's currency (currency_id); divide by conversion_rate for the
        -- shop's default currency. total_discounts/_shipping/_wrapping/_paid are the tax-incl.
        total_products__value as total_products_tax_excl,
        total_products_wt__value as total_products_tax_incl,
        total_discounts_tax_excl__value as total_discounts_tax_excl,
        total_discounts_tax_incl__value as total_discounts_tax_incl,
        total_shipping_tax_excl__value as total_shipping_tax_excl,
        total_shipping_tax_incl__value as total_shipping_tax_incl,
        total_wrapping_tax_excl__value as total_wrapping_tax_excl,
        total_wrapping_tax_incl__value as total_wrapping_tax_incl,
        total_paid_tax_excl__value as total_paid_tax_excl,
        total_paid_tax_incl__value as total_paid_tax_incl,
        -- Sum of payments received so far; not the order value.
        total_paid_real__value as total_paid_real,
        carrier_tax_rate__value as carrier_tax_rate,
        conversion_rate__value as conversion_rate,
        round_mode__value as round_mode,
        round_type__value as round_type,
        case when jsonb_typeof(payload -> 'associations' -> 'order_rows') = 'array'
             then jsonb_array_length(payload -> 'associations' -> 'order_rows') else 0 end as order_row_count,
        -- Which raw version was staged: stg_order_rows explodes the lines of exactly this one.
        payload_hash as _payload_hash
    from checked
    where quarantine_reason is null
      -- An installation with `stores:` in the shops file reports those stores only
      -- (macros/store_selection.sql).
      and {{ store_chosen('checked.shop', 'nullif(checked.id_shop__value, 0)') }}
),

-- The status timeline: the first time the order entered a state with each property.
timeline as (
    select
        h.order_id,
        h.shop,
        min(h.date_add) filter (where s.is_paid) as paid_at,
        min(h.date_add) filter (where s.is_shipped) as shipped_at,
        min(h.date_add) filter (where s.is_delivered_state) as delivered_at,
        min(h.date_add) filter (where s.is_cancelled_state) as cancelled_at,
        min(h.date_add) filter (where s.is_refunded_state) as refunded_at,
        count(*) as history_count
    from {{ ref('stg_order_histories') }} as h
    join {{ ref('stg_order_states') }} as s
        on s.order_state_id = h.order_state_id and s.shop = h.shop
    where (h.order_id, h.shop) in (select order_id, shop from typed)
    group by h.order_id, h.shop
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
left join timeline as t on t.order_id = o.order_id and t.shop = o.shop
left join {{ ref('stg_order_states') }} as s
    on s.order_state_id = o.current_state_id and s.shop = o.shop
