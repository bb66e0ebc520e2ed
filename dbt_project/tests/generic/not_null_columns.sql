{#- Fails with one row per listed column that has nulls: like not_null on each column, but one
    scan of the model instead of one per column. For views whose SQL is costly to recompute
    (int_followup_versions: windows over every version), where ten not_null tests were ten
    evaluations of the view. Tables use not_null constraints in their contracts instead. -#}
{% test not_null_columns(model, columns) %}
    select column_name, null_rows
    from (
        select
            {%- for column in columns %}
            count(*) filter (where {{ column }} is null) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ model }}
    ) unpivot (null_rows for column_name in ({{ columns | join(", ") }}))
    where null_rows > 0
{% endtest %}
