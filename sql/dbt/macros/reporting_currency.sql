{#- Money in the marts is in one reporting currency, named by its ISO code: PHC_REPORTING_CURRENCY,
    or, when it is unset, the default currency (PS_CURRENCY_DEFAULT) of the first installation
    by name.

    An order's amounts are in its own currency. Divided by the order's conversion_rate (frozen
    on the order by PrestaShop) they are in its store's default currency; then they go to the
    reporting currency at the rate of the order's day from the project's own dated rates
    (stg_currency_rates, each installation's own), looked up in the order's own installation
    when it knows the reporting currency, else in the first installation (by name) that knows
    both currencies (int_currency_paths). When the store's currency is the reporting currency,
    which is every order of a single-currency shop, the second step is skipped and nothing is
    multiplied. docs/models.md, "Currencies", states the rules. The currency-choosing subqueries
    are uncorrelated or per installation; a rate lookup is one index probe of stg_currency_rates
    per converted row, and none for a row already in the reporting currency. -#}

{#- The id of `shop`'s installation-wide default currency (a correlated subquery on the shop
    expression: use it over a list of shops, not per row). -#}
{%- macro default_currency_id(shop) -%}
(
    select cur_default.currency_id
    from {{ ref('stg_configurations') }} as cfg_default
    join {{ ref('stg_currencies') }} as cur_default
      on cur_default.shop = cfg_default.shop and cfg_default.value ~ '^[0-9]+$'
     and cur_default.currency_id = cfg_default.value::int
    where cfg_default.name = 'PS_CURRENCY_DEFAULT' and cfg_default.shop = {{ shop }}
    order by cfg_default.id_shop nulls first, cfg_default.id_shop_group nulls first, cfg_default.configuration_id
    limit 1
)
{%- endmacro -%}

{%- macro reporting_currency_code() -%}
{%- set chosen = env_var('PHC_REPORTING_CURRENCY', '') | trim | upper -%}
{%- if chosen and not modules.re.fullmatch('[A-Z]{3}', chosen) -%}
{{ exceptions.raise_compiler_error("PHC_REPORTING_CURRENCY=" ~ chosen ~ " is not an ISO 4217 code; use e.g. EUR, or unset it for the first shop's default currency") }}
{%- endif -%}
{{ return(chosen) }}
{%- endmacro -%}

{#- The shop whose default currency is the reporting one when PHC_REPORTING_CURRENCY is unset:
    the first installation by name. Read from the warehouse, not from a deployment's settings,
    so every deployment writing to one warehouse agrees on it. -#}
{%- macro reporting_shop() -%}
(select min(cur_any.shop) from {{ ref('stg_currencies') }} as cur_any)
{%- endmacro -%}

{#- The ISO code of the reporting currency: the `currency` column of every money mart. -#}
{%- macro reporting_currency() -%}
{%- set chosen = reporting_currency_code() -%}
{%- if chosen -%}
'{{ chosen }}'::text
{%- else -%}
(select cur_reporting.iso_code from {{ ref('stg_currencies') }} as cur_reporting
 where cur_reporting.shop = {{ reporting_shop() }} and cur_reporting.currency_id = {{ default_currency_id(reporting_shop()) }})
{%- endif -%}
{%- endmacro -%}

{#- The installation whose rates convert `iso` (an expression) of `shop` to the reporting
    currency (int_currency_paths: the shop itself when it knows the reporting currency). -#}
{%- macro conversion_shop(shop, iso) -%}
(select path.via_shop from {{ ref('int_currency_paths') }} as path where path.shop = {{ shop }} and path.iso_code = {{ iso }})
{%- endmacro -%}

{#- Units of currency `iso` per unit of `shop`'s default currency on `day` (stg_currency_rates:
    the last version first seen before that day, or the first version for days before any). A
    version seen today applies from tomorrow, so what an incremental build wrote today is what a
    full rebuild writes. -#}
{%- macro currency_rate(shop, iso, day) -%}
(
    select dated.rate
    from {{ ref('stg_currency_rates') }} as dated
    where dated.iso_code = {{ iso }} and dated.shop = {{ shop }}
      and dated.valid_from <= {{ day }} and {{ day }} < dated.valid_to
    order by dated.currency_id
    limit 1
)
{%- endmacro -%}

{#- `amount`, in currency `iso` of installation `shop`, in the reporting currency on `day`;
    untouched when the two are one currency (no multiplication by 1, so single-currency figures
    keep their exact digits). NULL-safe: an unknown currency on both sides is one currency. -#}
{%- macro to_reporting(amount, shop, iso, day) -%}
(case when {{ iso }} is not distinct from {{ reporting_currency() }} then {{ amount }}
      else {{ amount }} * {{ currency_rate(conversion_shop(shop, iso), reporting_currency(), day) }}
           / nullif({{ currency_rate(conversion_shop(shop, iso), iso, day) }}, 0) end)
{%- endmacro -%}

{#- An order's divisor: its own rate (order currency per unit of its store's currency, `iso`)
    times the store's currency per unit of the reporting currency on `day`. Dividing an amount
    in the order's currency by it gives the amount in the reporting currency. -#}
{%- macro reporting_divisor(order_rate, shop, iso, day) -%}
(case when {{ iso }} is not distinct from {{ reporting_currency() }} then {{ order_rate }}
      else {{ order_rate }} * {{ currency_rate(conversion_shop(shop, iso), iso, day) }}
           / nullif({{ currency_rate(conversion_shop(shop, iso), reporting_currency(), day) }}, 0) end)
{%- endmacro -%}

{#- Post-hook of fct_orders: the (installation, currency) pairs this build converted with, so
    the next run can tell whether a conversion path moved since (migration 024,
    transform/changes.py: currency_paths_reason). In the fact's own transaction. -#}
{%- macro record_currency_pairs() -%}
delete from staging.mart_currency_pairs;
insert into staging.mart_currency_pairs (shop, iso_code)
select distinct shop, upper(iso_code) from {{ ref('stg_currencies') }} where iso_code is not null
{%- endmacro -%}
