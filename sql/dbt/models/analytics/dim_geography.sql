{{ config(indexes=[
    {'columns': ['country_id'], 'unique': True},
    {'columns': ['zone_id']},
]) }}

-- Country grain (what the facts carry), with the PrestaShop zone as the region, plus the
-- unknown member (-1) for orders whose delivery address or country is missing.
select
    c.country_id,
    c.iso_code,
    c.country_name,
    c.is_active,
    coalesce(c.zone_id, -1) as zone_id,
    coalesce(z.zone_name, 'Unknown') as region_name
from {{ ref('stg_countries') }} as c
left join {{ ref('stg_zones') }} as z on z.zone_id = c.zone_id
union all
select -1, null, 'Unknown', null, -1, 'Unknown'
where not exists (select 1 from {{ ref('stg_countries') }} where country_id = -1)
