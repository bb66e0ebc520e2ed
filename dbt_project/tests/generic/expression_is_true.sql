{#- Fails for every row where `expression` is not true (an invariant of the model). On a
    column, the expression may use the column's name. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
