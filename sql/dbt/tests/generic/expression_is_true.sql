{#- Rows for which `expression` is not true fail (NULL counts as a failure, unless the
    expression handles it). Restrict the rows with config: where. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
