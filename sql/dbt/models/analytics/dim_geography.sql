{{ config(indexes=[
    {'columns': ['country_id', 'shop'], 'unique': True},
    {'columns': ['zone_id']},
    {'columns': ['iso_code']},
]) }}

-- Country grain (what the facts carry), per installation: country ids are an installation's
-- own, so the key is (country_id, shop) and iso_code is what groups a country across shops.
-- The PrestaShop zone is the region; the unknown member (-1) of each installation stands for
-- orders whose delivery address or country is missing.
select
    c.country_id,
    c.shop,
    c.iso_code,
    c.country_name,
    c.is_active,
    coalesce(c.zone_id, -1) as zone_id,
    coalesce(z.zone_name, 'Unknown') as region_name
from {{ ref('stg_countries') }} as c
left join {{ ref('stg_zones') }} as z on z.zone_id = c.zone_id and z.shop = c.shop
union all
select -1, s.shop, null, 'Unknown', null, -1, 'Unknown'
from ({{ warehouse_shops() }}) as s
where not exists (select 1 from {{ ref('stg_countries') }} as c where c.country_id = -1 and c.shop = s.shop)
