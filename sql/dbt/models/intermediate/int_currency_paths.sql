{#- For each currency of each installation (by ISO code), the installation whose dated rates
    convert it to the reporting currency: its own when it knows the reporting currency, else the
    first installation by name that knows both (PrestaShop's rates are per installation and not
    kept consistent across them; a shop selling in CHF with EUR as reporting currency but no EUR
    of its own goes through one that has both). NULL: no installation can convert it (its
    amounts are NULL in the reporting currency, and a dbt test says so). A row per currency. -#}
with currencies as (
    select distinct shop, upper(iso_code) as iso_code from {{ ref('stg_currencies') }} where iso_code is not null
),

reporting as (
    select {{ reporting_currency() }} as iso_code
)

select
    c.shop,
    c.iso_code,
    case
        when exists (
            select 1 from currencies as k, reporting as r where k.shop = c.shop and k.iso_code = r.iso_code
        ) then c.shop
        else (
            select min(a.shop)
            from currencies as a
            join currencies as b on b.shop = a.shop
            cross join reporting as r
            where a.iso_code = c.iso_code and b.iso_code = r.iso_code
        )
    end as via_shop
from currencies as c
