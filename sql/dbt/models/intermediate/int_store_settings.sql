{#- Each known store (raw.shops) of each installation with its own settings: a configuration
    row of the store wins over one of its group, which wins over the global one
    (Configuration::get), all within the store's installation. PrestaShop lets a store have its
    own default currency and time zone. Small: a row per store. -#}
with settings as (
    select distinct on (st.shop, st.shop_id, cfg.name)
        st.shop, st.shop_id, cfg.name, cfg.value
    from {{ ref('stg_shops') }} as st
    join {{ ref('stg_configurations') }} as cfg
      on cfg.shop = st.shop
     and cfg.name in ('PS_CURRENCY_DEFAULT', 'PS_TIMEZONE', 'PS_SHOP_NAME')
     and (cfg.id_shop = st.shop_id
          or (cfg.id_shop is null and cfg.id_shop_group = st.shop_group_id)
          or (cfg.id_shop is null and cfg.id_shop_group is null))
    order by st.shop, st.shop_id, cfg.name, (cfg.id_shop is not null) desc,
             (cfg.id_shop_group is not null) desc, cfg.configuration_id
)

select
    shop,
    shop_id,
    max(value) filter (where name = 'PS_CURRENCY_DEFAULT' and value ~ '^[0-9]+$')::int as currency_id,
    max(value) filter (where name = 'PS_TIMEZONE') as timezone,
    max(value) filter (where name = 'PS_SHOP_NAME') as configured_name
from settings
group by shop, shop_id
