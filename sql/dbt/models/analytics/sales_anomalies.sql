{{ config(indexes=[{'columns': ['date_day', 'shop'], 'unique': True}]) }}

-- Daily net revenue per shop (valid orders, zero-filled) against a trailing baseline with
-- day-of-week seasonality: the same weekday of the same shop over the previous
-- var('anomaly_weeks') weeks, today excluded. Each shop is judged against its own history (a
-- spike in one installation must not hide in, or be caused by, another's volume), over its own
-- days: from its first order to the later of its last order and today.
--   z = (revenue - baseline mean) / baseline standard deviation
-- A day is an anomaly when |z| >= var('anomaly_z') and the baseline has at least
-- var('anomaly_min_weeks') observations; spikes and drops are told apart by the sign of z.
with orders as (
    select * from {{ ref('fct_orders') }}
),

days as (
    select b.shop, d::date as date_day
    from (
        select shop, min(order_date) as first_day, greatest(max(order_date), current_date) as last_day
        from orders
        group by shop
    ) as b,
         generate_series(b.first_day, b.last_day, interval '1 day') as d
),

daily as (
    select
        d.date_day,
        d.shop,
        coalesce(sum(o.net_revenue) filter (where o.is_valid), 0) as net_revenue,
        count(o.order_id) filter (where o.is_valid) as orders
    from days as d
    left join orders as o on o.order_date = d.date_day and o.shop = d.shop
    group by 1, 2
),

baseline as (
    select
        d.*,
        extract(isodow from d.date_day)::int as day_of_week,
        avg(d.net_revenue) over w as baseline_mean,
        stddev_samp(d.net_revenue) over w as baseline_stddev,
        count(*) over w as baseline_weeks
    from daily as d
    window w as (
        partition by d.shop, extract(isodow from d.date_day)
        order by d.date_day
        rows between {{ var('anomaly_weeks') }} preceding and 1 preceding
    )
)

select
    date_day,
    shop,
    day_of_week,
    orders,
    net_revenue,
    baseline_mean,
    baseline_stddev,
    baseline_weeks,
    (net_revenue - baseline_mean) / nullif(baseline_stddev, 0) as z_score,
    coalesce(
        baseline_weeks >= {{ var('anomaly_min_weeks') }}
        and abs((net_revenue - baseline_mean) / nullif(baseline_stddev, 0)) >= {{ var('anomaly_z') }},
        false
    ) as is_anomaly,
    case
        when baseline_weeks < {{ var('anomaly_min_weeks') }} or baseline_stddev is null or baseline_stddev = 0 then null
        when (net_revenue - baseline_mean) / baseline_stddev >= {{ var('anomaly_z') }} then 'spike'
        when (net_revenue - baseline_mean) / baseline_stddev <= -{{ var('anomaly_z') }} then 'drop'
        else 'normal'
    end as anomaly_direction,
    {{ reporting_currency() }} as currency
from baseline
