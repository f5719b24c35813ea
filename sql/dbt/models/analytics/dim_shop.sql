{{ config(indexes=[{'columns': ['shop_id', 'shop'], 'unique': True}]) }}

{#- One row per store (PrestaShop's shop, id_shop) of each installation (`shop`), with its group
    and its own settings (int_store_settings: a multistore installation may give a store its own
    default currency and time zone). Read from raw.shops, which every sync reads whole. -#}
with installations as (
    select s.shop, {{ default_currency_id('s.shop') }} as currency_id
    from ({{ warehouse_shops() }}) as s
)

select
    st.shop_id,
    st.shop,
    coalesce(nullif(st.shop_name, ''), p.configured_name) as shop_name,
    st.shop_group_id,
    g.shop_group_name,
    coalesce(st.is_active, true) and not coalesce(st.is_deleted, false) as is_active,
    coalesce(g.shares_customers, false) as shares_customers,
    coalesce(g.shares_orders, false) as shares_orders,
    coalesce(g.shares_stock, false) as shares_stock,
    c.currency_id,
    c.iso_code as currency,
    p.timezone,
    -- The store is in the marts: its installation reports every store, or the shops file
    -- chooses it (`stores:`, macros/store_selection.sql).
    {{ store_chosen('st.shop', 'st.shop_id') }} as is_reported
from {{ ref('stg_shops') }} as st
left join {{ ref('stg_shop_groups') }} as g on g.shop_group_id = st.shop_group_id and g.shop = st.shop
left join {{ ref('int_store_settings') }} as p on p.shop_id = st.shop_id and p.shop = st.shop
left join installations as i on i.shop = st.shop
left join {{ ref('stg_currencies') }} as c
  on c.shop = st.shop and c.currency_id = coalesce(p.currency_id, i.currency_id)
