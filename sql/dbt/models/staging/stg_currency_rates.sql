{#- Incremental, not a table: a table model is rebuilt by a swap that drops the old table with
    CASCADE, which would drop the materialized views reading it (agg_payments_daily,
    agg_refunds_daily) at every staging build. Every build recomputes every period (a few rows
    per currency) and replaces each currency's rows (delete+insert on currency_id and shop). -#}
{{ config(
    unique_key=['currency_id', 'shop'],
    indexes=[
        {'columns': ['currency_id', 'shop', 'valid_from'], 'unique': True},
        {'columns': ['iso_code', 'shop', 'valid_from']},
    ],
) }}

{#- The project's own dated exchange rates, as periods: every version of each currency's
    conversion_rate the warehouse has received (raw keeps them all), in force from the day after
    it was first seen until the day after the next version was (the first one since always).
    A rate is units of the currency per unit of the shop's default currency, as the shop serves
    it. PrestaShop keeps no history of its rates, so this is the history the conversions to the
    reporting currency use (macros/reporting_currency.sql). A few rows per currency, recomputed
    by every staging build; one index probe per lookup.

    A rate that goes back to a value it had before is the same raw version (raw keeps each
    distinct payload once), so the return is not seen: docs/models.md, "Currencies". -#}
with versions as (
    select
        id as currency_id,
        shop,
        upper(payload ->> 'iso_code') as iso_code,
        {{ ps_num("payload ->> 'conversion_rate'") }} as rate,
        first_seen_at::date as seen_on,
        row_number() over (partition by id, shop order by first_seen_at, load_xid, payload_hash) as version
    from {{ source('prestashop', 'currencies') }}
    where removed_at is null
      and {{ ps_num("payload ->> 'conversion_rate'") }} > 0
),

periods as (
    select
        currency_id,
        shop,
        iso_code,
        rate,
        version,
        case when version = 1 then '-infinity'::date else seen_on + 1 end as valid_from,
        coalesce(lead(seen_on) over (partition by currency_id, shop order by version) + 1,
                 'infinity'::date) as valid_to
    from versions
)

-- A version replaced on the day it was first seen was never in force.
select distinct on (currency_id, shop, valid_from)
    currency_id, shop, iso_code, rate, valid_from, valid_to
from periods
where valid_from < valid_to
order by currency_id, shop, valid_from, version desc
