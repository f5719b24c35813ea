{{ config(
    unique_key=['order_cart_rule_id', 'shop'],
    indexes=[{'columns': ['order_cart_rule_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['_staged_xid']}, {'columns': ['order_id']}],
) }}

-- The cart rules applied to each order: the discount, in the order's currency. A discount the
-- merchant removed from the order in the back office is kept with deleted=1.
with latest as (
    {{ latest_raw_versions('order_cart_rules') }}
)

select
    id as order_cart_rule_id,
    shop,
    {{ ps_id(ps_field('id_order')) }} as order_id,
    {{ ps_id(ps_field('id_cart_rule')) }} as cart_rule_id,
    {{ ps_field('name') }} as cart_rule_name,
    {{ ps_num(ps_field('value')) }} as value_tax_incl,
    {{ ps_num(ps_field('value_tax_excl')) }} as value_tax_excl,
    {{ ps_bool(ps_field('free_shipping')) }} as is_free_shipping,
    coalesce({{ ps_bool(ps_field('deleted')) }}, false) or removed_at is not null as is_deleted,
    {{ batch_xmin() }} as _batch_xmin,
    {{ staged_xid() }} as _staged_xid
from latest
