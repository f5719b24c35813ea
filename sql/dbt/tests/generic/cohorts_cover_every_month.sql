{#- Cohort integrity (Fivetran's vertical check): one row per customer for every month from
    their cohort month to the last month, no more, no less. -#}
{% test cohorts_cover_every_month(model) %}
with expected as (
    select
        sum(
            (extract(year from l.last_month) - extract(year from c.cohort_month)) * 12
            + extract(month from l.last_month) - extract(month from c.cohort_month) + 1
        ) as n
    from (select customer_id, min(cohort_month) as cohort_month from {{ model }} group by 1) as c
    cross join (select max(date_month) as last_month from {{ model }}) as l
)
select e.n as expected_rows, (select count(*) from {{ model }}) as actual_rows
from expected as e
where coalesce(e.n, 0) <> (select count(*) from {{ model }})
{% endtest %}
