{{ config(indexes=[{'columns': ['date_day'], 'unique': True}]) }}

-- Whole calendar years around the shop's orders (or the current year for an empty shop), so
-- prior-year and week-aligned comparisons always find their row.
with bounds as (
    select
        date_trunc('year', coalesce(min(order_date), current_date) - interval '1 year')::date as first_day,
        (date_trunc('year', greatest(coalesce(max(order_date), current_date), current_date)) + interval '1 year - 1 day')::date as last_day
    from {{ ref('fct_orders') }}
),

days as (
    select d::date as date_day
    from bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') as d
)

select
    date_day,
    (date_day - 1) as prior_date_day,
    (date_day + 1) as next_date_day,
    (date_day - interval '1 year')::date as prior_year_date_day,
    -- 52 weeks back: the same weekday last year (dbt_date's prior_year_over_year_date_day).
    (date_day - 364) as prior_year_over_year_date_day,
    extract(isodow from date_day)::int as day_of_week,
    trim(to_char(date_day, 'Day')) as day_of_week_name,
    extract(day from date_day)::int as day_of_month,
    extract(doy from date_day)::int as day_of_year,
    date_trunc('week', date_day)::date as week_start_date,
    (date_trunc('week', date_day) + interval '6 days')::date as week_end_date,
    extract(week from date_day)::int as iso_week_of_year,
    extract(isoyear from date_day)::int as iso_year,
    extract(month from date_day)::int as month_of_year,
    trim(to_char(date_day, 'Month')) as month_name,
    date_trunc('month', date_day)::date as month_start_date,
    (date_trunc('month', date_day) + interval '1 month - 1 day')::date as month_end_date,
    extract(quarter from date_day)::int as quarter_of_year,
    date_trunc('quarter', date_day)::date as quarter_start_date,
    extract(year from date_day)::int as year_number,
    date_trunc('year', date_day)::date as year_start_date,
    extract(isodow from date_day) in (6, 7) as is_weekend
from days
