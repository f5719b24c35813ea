{{ config(indexes=[
    {'columns': ['customer_id', 'shop'], 'unique': True},
    {'columns': ['rfm_segment']},
]) }}

-- RFM for every customer with at least one valid order, scored among their shop's customers
-- as of their shop's latest order; scores and segments are defined in int_customer_orders
-- (shared with dim_customer).
select
    customer_id,
    shop,
    as_of_date,
    last_order_date,
    days_since_last_order,
    lifetime_orders as frequency,
    lifetime_net_revenue as monetary,
    recency_score,
    frequency_score,
    monetary_score,
    recency_score + frequency_score + monetary_score as rfm_score,
    rfm_cell,
    rfm_segment
from {{ ref('int_customer_orders') }}
