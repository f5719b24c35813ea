{{ config(indexes=[{'columns': ['payment_date', 'payment_method', 'shop'], 'unique': True}]) }}

-- Payments by day, shop and method, in the reporting currency, on the day the payment was
-- recorded (date_add, which the back office may set in the past): the amount over the payment's
-- own rate is in its order's store's currency, converted at that currency's rate of the
-- payment's day. When every store and installation sells in the reporting currency (a
-- single-currency warehouse) no payment looks its order up.
with installations as (
    -- Each installation's default currency (its global PS_CURRENCY_DEFAULT): one probe per shop.
    select s.shop, {{ default_currency_id('s.shop') }} as currency_id
    from ({{ warehouse_shops() }}) as s
),

-- The store's own default currency of each order reference, from its first order with a known
-- store (the orders of a split cart share the reference). The condition is uncorrelated, so
-- PostgreSQL checks it once and reads no order at all when every currency a payment can be in
-- is the reporting one: each payment then falls back to its installation's currency, which is.
order_stores as (
    select distinct on (o.shop, o.reference) o.shop, o.reference, st.currency_id
    from {{ ref('stg_orders') }} as o
    join {{ ref('int_store_settings') }} as st on st.shop = o.shop and st.shop_id = o.shop_id
    where exists (
        select 1
        from (
            select shop, currency_id from installations
            union all
            select shop, currency_id from {{ ref('int_store_settings') }} where currency_id is not null
        ) as u
        left join {{ ref('stg_currencies') }} as c on c.shop = u.shop and c.currency_id = u.currency_id
        where c.iso_code is distinct from {{ reporting_currency() }}
    )
    order by o.shop, o.reference, o.order_id
)

select
    pay.payment_date,
    pay.shop,
    coalesce(nullif(pay.payment_method, ''), 'unknown') as payment_method,
    count(*) as payments,
    sum({{ to_reporting('pay.amount / nullif(pay.conversion_rate, 0)', 'pay.shop', 'sc.iso_code', 'pay.payment_date') }}) as amount,
    {{ reporting_currency() }} as currency
from {{ ref('stg_order_payments') }} as pay
left join installations as i on i.shop = pay.shop
left join order_stores as os on os.shop = pay.shop and os.reference = pay.order_reference
-- The store's default currency: its own configuration, else the installation's. (Not `p`, `r`
-- or `c`: the currency macros' subqueries use those aliases and would capture the arguments.)
left join {{ ref('stg_currencies') }} as sc
  on sc.shop = pay.shop and sc.currency_id = coalesce(os.currency_id, i.currency_id)
where not pay.is_removed and pay.payment_date is not null
  -- Only the payments of reported orders where the shops file chooses stores.
  and {{ payment_counts('pay') }}
group by 1, 2, 3
