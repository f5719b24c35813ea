{{ config(indexes=[{'columns': ['shop_id'], 'unique': True}]) }}

{#- One row per store (PrestaShop's shop, id_shop) with its group and its own settings. A
    multistore installation may give a store its own default currency and time zone: a
    configuration row of the store wins over one of its group, which wins over the global one
    (Configuration::get). A store seen on an order but not (yet) in raw.shops still gets a row,
    with the installation's settings, so every order's store resolves. -#}
with known as (
    select shop_id, shop_group_id, shop_name, is_active, is_deleted from {{ ref('stg_shops') }}
),

stores as (
    select * from known
    union all
    select distinct o.shop_id, o.shop_group_id, null, true, false
    from {{ ref('stg_orders') }} as o
    where o.shop_id is not null and o.shop_id not in (select shop_id from known)
),

settings as (
    select distinct on (st.shop_id, cfg.name)
        st.shop_id, cfg.name, cfg.value
    from stores as st
    join {{ ref('stg_configurations') }} as cfg
      on cfg.name in ('PS_CURRENCY_DEFAULT', 'PS_TIMEZONE', 'PS_SHOP_NAME')
     and (cfg.id_shop = st.shop_id
          or (cfg.id_shop is null and cfg.id_shop_group = st.shop_group_id)
          or (cfg.id_shop is null and cfg.id_shop_group is null))
    order by st.shop_id, cfg.name, (cfg.id_shop is not null) desc,
             (cfg.id_shop_group is not null) desc, cfg.configuration_id
),

pivoted as (
    select
        shop_id,
        max(value) filter (where name = 'PS_CURRENCY_DEFAULT') as currency_value,
        max(value) filter (where name = 'PS_TIMEZONE') as timezone,
        max(value) filter (where name = 'PS_SHOP_NAME') as configured_name
    from settings
    group by shop_id
)

select
    st.shop_id,
    coalesce(st.shop_name, p.configured_name) as shop_name,
    st.shop_group_id,
    g.shop_group_name,
    coalesce(st.is_active, true) and not coalesce(st.is_deleted, false) as is_active,
    coalesce(g.shares_customers, false) as shares_customers,
    coalesce(g.shares_orders, false) as shares_orders,
    coalesce(g.shares_stock, false) as shares_stock,
    c.currency_id,
    c.iso_code as currency,
    p.timezone
from stores as st
left join {{ ref('stg_shop_groups') }} as g on g.shop_group_id = st.shop_group_id
left join pivoted as p on p.shop_id = st.shop_id
left join {{ ref('stg_currencies') }} as c
  on p.currency_value ~ '^[0-9]+$' and c.currency_id = p.currency_value::int
