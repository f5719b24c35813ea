{{ config(
    unique_key=['order_state_id', 'shop'],
    indexes=[{'columns': ['order_state_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

{#- The configuration keys that name states whose flags alone do not identify them: "Shipped" and
    "Delivered" have identical flags, cancelled/refunded/error have none set, and an unpaid
    backorder looks like "awaiting payment". State ids are install-dependent and merchants add
    their own states, so ids are never hard-coded: they come from PS_OS_* configuration values. -#}
{%- set state_keys = {
    'delivered': ['PS_OS_DELIVERED'],
    'cancelled': ['PS_OS_CANCELED'],
    'refunded': ['PS_OS_REFUND'],
    'payment_error': ['PS_OS_ERROR'],
    'backorder': ['PS_OS_OUTOFSTOCK', 'PS_OS_OUTOFSTOCK_PAID', 'PS_OS_OUTOFSTOCK_UNPAID'],
} -%}
{%- set all_keys = [] -%}
{%- for keys in state_keys.values() %}{% do all_keys.extend(keys) %}{% endfor -%}

with latest as (
    {{ latest_raw_versions('order_states', restage_all_when=configuration_changed(all_keys + ['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
),

-- One value per shop and key; the installation-wide row wins over per-store overrides.
state_config as (
    select distinct on (shop, name) shop, name, {{ ps_id('value') }} as order_state_id
    from {{ ref('stg_configurations') }}
    where name like 'PS\_OS\_%'
    order by shop, name, (id_shop is null and id_shop_group is null) desc, configuration_id
),

typed as (
    select
        id as order_state_id,
        shop,
        {{ ps_i18n('name') }} as order_state_name,
        {{ ps_field('module_name') }} as module_name,
        {{ ps_field('color') }} as color,
        {{ ps_bool(ps_field('logable')) }} as is_logable,
        {{ ps_bool(ps_field('paid')) }} as is_paid,
        {{ ps_bool(ps_field('shipped')) }} as is_shipped,
        {{ ps_bool(ps_field('delivery')) }} as is_delivery,
        {{ ps_bool(ps_field('invoice')) }} as is_invoice,
        {{ ps_bool(ps_field('deleted')) }} as is_deleted,
        {{ ps_bool(ps_field('hidden')) }} as is_hidden
    from latest
    left join lang using (shop)
),

keyed as (
    select
        t.*,
        (
            select string_agg(c.name, ',' order by c.name)
            from state_config as c where c.order_state_id = t.order_state_id and c.shop = t.shop
        ) as config_keys,
        {%- for group, keys in state_keys.items() %}
        exists (
            select 1 from state_config as c
            where c.order_state_id = t.order_state_id and c.shop = t.shop
              and c.name in ({% for k in keys %}'{{ k }}'{{ ", " if not loop.last }}{% endfor %})
        ) as is_{{ group }}_state{{ "," if not loop.last }}
        {%- endfor %}
    from typed as t
)

select
    *,
    -- The status group: terminal and special states first (identified by configuration id),
    -- then the progress flags from the most advanced to the least.
    case
        when is_cancelled_state then 'cancelled'
        when is_refunded_state then 'refunded'
        when is_payment_error_state then 'payment_error'
        when is_delivered_state then 'delivered'
        when is_backorder_state then 'backorder'
        when coalesce(is_shipped, false) then 'shipped'
        -- A paid state that is not logable is PrestaShop's "on backorder (paid)".
        when coalesce(is_paid, false) and not coalesce(is_logable, false) then 'backorder'
        when coalesce(is_paid, false) and coalesce(is_delivery, false) then 'processing'
        when coalesce(is_paid, false) then 'paid'
        else 'awaiting_payment'
    end as status_group,
    {{ batch_xmin() }} as _batch_xmin
from keyed
