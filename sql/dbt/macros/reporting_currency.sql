{#- Money in the marts is in one reporting currency: PHC_REPORTING_CURRENCY (an ISO code), or
    the installation's default currency (the global PS_CURRENCY_DEFAULT) when it is unset.

    An order's amounts are in its own currency. Divided by the order's conversion_rate (frozen
    on the order by PrestaShop) they are in its store's default currency; then they go to the
    reporting currency at the rate of the order's day from the project's own dated rates
    (stg_currency_rates). When the store's currency is the reporting currency, which is every
    order of a single-currency installation, the second step is skipped. docs/models.md,
    "Currencies", states the rules. The currency-choosing subqueries are uncorrelated:
    PostgreSQL runs each once per statement (an InitPlan); a rate lookup is one index probe of
    stg_currency_rates per converted row, and none for a row already in the reporting currency. -#}

{%- macro default_currency_id() -%}
(
    select c.currency_id
    from {{ ref('stg_configurations') }} as cfg
    join {{ ref('stg_currencies') }} as c
      on cfg.value ~ '^[0-9]+$' and c.currency_id = cfg.value::int
    where cfg.name = 'PS_CURRENCY_DEFAULT'
    order by cfg.id_shop nulls first, cfg.id_shop_group nulls first, cfg.configuration_id
    limit 1
)
{%- endmacro -%}

{%- macro reporting_currency_code() -%}
{%- set chosen = env_var('PHC_REPORTING_CURRENCY', '') | trim | upper -%}
{%- if chosen and not modules.re.fullmatch('[A-Z]{3}', chosen) -%}
{{ exceptions.raise_compiler_error("PHC_REPORTING_CURRENCY=" ~ chosen ~ " is not an ISO 4217 code; use e.g. EUR, or unset it for the shop's default currency") }}
{%- endif -%}
{{ return(chosen) }}
{%- endmacro -%}

{%- macro reporting_currency_id() -%}
{%- set chosen = reporting_currency_code() -%}
{%- if chosen -%}
(select c.currency_id from {{ ref('stg_currencies') }} as c where c.iso_code = '{{ chosen }}' order by c.currency_id limit 1)
{%- else -%}
{{ default_currency_id() }}
{%- endif -%}
{%- endmacro -%}

{#- The ISO code of the reporting currency: the `currency` column of every money mart. -#}
{%- macro reporting_currency() -%}
(select c.iso_code from {{ ref('stg_currencies') }} as c where c.currency_id = {{ reporting_currency_id() }})
{%- endmacro -%}

{#- Units of `currency_id` per unit of the shop's default currency on `day`
    (stg_currency_rates: the last version first seen before that day, or the first version for
    days before any). A version seen today applies from tomorrow, so what an incremental build
    wrote today is what a full rebuild writes. -#}
{%- macro currency_rate(currency_id, day) -%}
(
    select r.rate
    from {{ ref('stg_currency_rates') }} as r
    where r.currency_id = {{ currency_id }}
      and r.valid_from <= {{ day }} and {{ day }} < r.valid_to
)
{%- endmacro -%}

{#- `amount`, in `currency_id`, in the reporting currency on `day`; untouched when the two are
    one currency (no multiplication by 1, so single-currency figures keep their exact digits).
    NULL-safe: an unknown currency on both sides is one currency. -#}
{%- macro to_reporting(amount, currency_id, day) -%}
(case when {{ currency_id }} is not distinct from {{ reporting_currency_id() }} then {{ amount }}
      else {{ amount }} * {{ currency_rate(reporting_currency_id(), day) }} / nullif({{ currency_rate(currency_id, day) }}, 0) end)
{%- endmacro -%}

{#- An order's divisor: its own rate (order currency per unit of its store's currency) times
    the store's currency per unit of the reporting currency on `day`. Dividing an amount in the
    order's currency by it gives the amount in the reporting currency. -#}
{%- macro reporting_divisor(order_rate, store_currency_id, day) -%}
(case when {{ store_currency_id }} is not distinct from {{ reporting_currency_id() }} then {{ order_rate }}
      else {{ order_rate }} * {{ currency_rate(store_currency_id, day) }} / nullif({{ currency_rate(reporting_currency_id(), day) }}, 0) end)
{%- endmacro -%}
