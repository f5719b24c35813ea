{{ config(indexes=[{'columns': ['payment_date', 'payment_method'], 'unique': True}]) }}

-- Payments by day and method, in the shop's default currency (amount / conversion_rate), on the
-- day the payment was recorded (date_add, which the back office may set in the past).
select
    payment_date,
    coalesce(nullif(payment_method, ''), 'unknown') as payment_method,
    count(*) as payments,
    sum(amount / nullif(conversion_rate, 0)) as amount,
    {{ shop_currency() }} as currency
from {{ ref('stg_order_payments') }}
where not is_removed and payment_date is not null
group by 1, 2
