{{ config(indexes=[{'columns': ['payment_date', 'payment_method'], 'unique': True}]) }}

-- Payments by day and method, in the reporting currency, on the day the payment was recorded
-- (date_add, which the back office may set in the past): the amount over the payment's own
-- rate is in its order's store's currency, converted at that currency's rate of the payment's
-- day. When every store sells in the reporting currency (a single-currency installation) no
-- payment looks its order up.
{%- set store_currency -%}
coalesce((select st.currency_id
          from {{ ref('stg_orders') }} as o
          join {{ ref('int_store_settings') }} as st on st.shop_id = o.shop_id
          where o.reference = p.order_reference
          order by o.order_id
          limit 1), {{ default_currency_id() }})
{%- endset %}
select
    p.payment_date,
    coalesce(nullif(p.payment_method, ''), 'unknown') as payment_method,
    count(*) as payments,
    sum(case when {{ default_currency_id() }} is not distinct from {{ reporting_currency_id() }}
                  and not exists (select 1 from {{ ref('int_store_settings') }} as s
                                  where s.currency_id is distinct from {{ reporting_currency_id() }})
             then p.amount / nullif(p.conversion_rate, 0)
             else {{ to_reporting('p.amount / nullif(p.conversion_rate, 0)', store_currency, 'p.payment_date') }} end) as amount,
    {{ reporting_currency() }} as currency
from {{ ref('stg_order_payments') }} as p
where not p.is_removed and p.payment_date is not null
group by 1, 2
