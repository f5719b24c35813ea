{#- Cohort integrity (Fivetran's vertical check): one row per customer for every month from
    their cohort month to their shop's last month, no more, no less, shop by shop. -#}
{% test cohorts_cover_every_month(model) %}
with expected as (
    select
        c.shop,
        sum(
            (extract(year from l.last_month) - extract(year from c.cohort_month)) * 12
            + extract(month from l.last_month) - extract(month from c.cohort_month) + 1
        ) as n
    from (select customer_id, shop, min(cohort_month) as cohort_month from {{ model }} group by 1, 2) as c
    join (select shop, max(date_month) as last_month from {{ model }} group by 1) as l on l.shop = c.shop
    group by c.shop
),
actual as (
    select shop, count(*) as n from {{ model }} group by 1
)
select coalesce(e.shop, a.shop) as shop, e.n as expected_rows, a.n as actual_rows
from expected as e
full join actual as a on a.shop = e.shop
where coalesce(e.n, 0) <> coalesce(a.n, 0)
{% endtest %}
