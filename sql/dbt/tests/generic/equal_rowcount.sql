{#- The model has exactly as many rows as compare_model (e.g. one fact row per staging row). -#}
{% test equal_rowcount(model, compare_model) %}
select a.n as model_rows, b.n as compare_rows
from (select count(*) as n from {{ model }}) as a
cross join (select count(*) as n from {{ compare_model }}) as b
where a.n <> b.n
{% endtest %}
