{#- The project's own dated exchange rates: every version of each currency's conversion_rate
    the warehouse has received (raw keeps them all), dated by the day it was first seen. A rate
    is units of the currency per unit of the installation's default currency, as the shop's
    default store serves it. PrestaShop keeps no history of its rates, and does not keep them
    consistent across stores (#23447, #20339), so this table is the one source the conversions
    to the reporting currency use (macros/reporting_currency.sql, currency_rate). -#}
select
    id as currency_id,
    upper(payload ->> 'iso_code') as iso_code,
    {{ ps_num("payload ->> 'conversion_rate'") }} as rate,
    first_seen_at::date as seen_on,
    row_number() over (partition by id order by first_seen_at, load_xid, payload_hash) as version
from {{ source('prestashop', 'currencies') }}
where removed_at is null
  and {{ ps_num("payload ->> 'conversion_rate'") }} > 0
