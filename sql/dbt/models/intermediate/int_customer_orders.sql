{#- Per customer (customer_id, shop) with at least one valid order: lifetime metrics and RFM
    scores, shared by dim_customer and customer_rfm.

    as_of_date is the date of the latest order in the customer's shop (not the refresh date), so
    recency, churn and RFM are reproducible and do not drift between two refreshes of unchanged
    data, and one installation's clock does not age another's customers.

    RFM scores are 1..5 from the percent rank (rank - 1) / (n - 1) of the customer among the
    customers with a valid order in the same shop: score = 1 + floor(5 * rank), capped at 5. Ties
    get the same score (unlike ntile, which splits ties arbitrarily), which matters for frequency
    where most customers have one order. Recency ranks the last order date (most recent = 5),
    frequency the valid order count, monetary the lifetime net revenue. -#}
with valid_orders as (
    select * from {{ ref('fct_orders') }} where is_valid and customer_id <> -1
),

-- One index probe per shop (order_date's index), not a scan of the fact; materialized so the
-- probe is not inlined into the per-customer rows that read it.
as_of as materialized (
    select s.shop,
           coalesce((select max(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop),
                    current_date) as as_of_date
    from ({{ warehouse_shops() }}) as s
),

per_customer as (
    select
        customer_id,
        shop,
        count(*) as lifetime_orders,
        sum(net_revenue) as lifetime_net_revenue,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        -- Country of the delivery address of the customer's latest valid order.
        (array_agg(country_id order by order_created_at desc, order_id desc))[1] as last_country_id
    from valid_orders
    group by customer_id, shop
),

ranked as (
    select
        c.*,
        a.as_of_date,
        count(*) over (partition by c.shop) as customer_count,
        rank() over (partition by c.shop order by c.last_order_date) - 1 as recency_rank,
        rank() over (partition by c.shop order by c.lifetime_orders) - 1 as frequency_rank,
        rank() over (partition by c.shop order by c.lifetime_net_revenue) - 1 as monetary_rank
    from per_customer as c
    join as_of as a on a.shop = c.shop
),

scored as (
    select
        r.*,
        {%- for dim in ['recency', 'frequency', 'monetary'] %}
        case when r.customer_count <= 1 then 1
             else least(5, 1 + floor((5 * r.{{ dim }}_rank)::numeric / (r.customer_count - 1)))::int
        end as {{ dim }}_score{{ "," if not loop.last }}
        {%- endfor %}
    from ranked as r
)

select
    customer_id,
    shop,
    lifetime_orders,
    lifetime_net_revenue,
    lifetime_net_revenue / lifetime_orders as average_order_value,
    first_order_date,
    last_order_date,
    last_country_id,
    as_of_date,
    last_order_date - first_order_date as days_active,
    as_of_date - last_order_date as days_since_last_order,
    case when lifetime_orders > 1
         then (last_order_date - first_order_date)::numeric / (lifetime_orders - 1) end as avg_days_between_orders,
    (as_of_date - last_order_date) > {{ var('churn_days') }} as is_churned,
    case
        when lifetime_net_revenue >= {{ var('revenue_tier_platinum') }} then 'platinum'
        when lifetime_net_revenue >= {{ var('revenue_tier_gold') }} then 'gold'
        when lifetime_net_revenue >= {{ var('revenue_tier_silver') }} then 'silver'
        else 'bronze'
    end as revenue_tier,
    recency_score,
    frequency_score,
    monetary_score,
    recency_score::text || frequency_score::text || monetary_score::text as rfm_cell,
    case
        when recency_score >= 4 and frequency_score >= 4 and monetary_score >= 4 then 'champions'
        when recency_score >= 3 and frequency_score >= 4 then 'loyal'
        when recency_score <= 2 and frequency_score >= 3 then 'at_risk'
        when recency_score >= 4 and frequency_score = 1 then 'new_customers'
        when recency_score >= 3 and frequency_score >= 2 then 'potential_loyalists'
        when recency_score <= 2 and frequency_score <= 2 and monetary_score <= 2 then 'lost'
        when recency_score <= 2 then 'hibernating'
        else 'needs_attention'
    end as rfm_segment
from scored
