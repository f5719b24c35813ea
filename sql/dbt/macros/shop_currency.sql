{#- The ISO code of the shop's default currency (PS_CURRENCY_DEFAULT), the currency every money
    column of the marts is in: amounts are divided by each order's conversion_rate, frozen when
    the order was placed. An uncorrelated scalar subquery, so PostgreSQL evaluates it once per
    statement (an InitPlan), whatever the number of rows. The global value wins over a per-shop
    one (multistore rows carry id_shop). -#}
{%- macro shop_currency() -%}
(
    select c.iso_code
    from {{ ref('stg_configurations') }} as cfg
    join {{ ref('stg_currencies') }} as c
      on cfg.value ~ '^[0-9]+$' and c.currency_id = cfg.value::int
    where cfg.name = 'PS_CURRENCY_DEFAULT'
    order by cfg.id_shop nulls first, cfg.id_shop_group nulls first, cfg.configuration_id
    limit 1
)
{%- endmacro -%}
