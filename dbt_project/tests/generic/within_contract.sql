{#- Fails for every row that breaks what its upload contract (schemas/<contract>.yaml) requires:
    a required column empty, or a value outside the column's min/max. The ingest refuses such
    rows, so a failure here is a defect in the pipeline, never a property of the data. The
    columns and bounds come from the generated macros (contract_required, contract_bounds). -#}
{% test within_contract(model, contract) %}
    {%- set conditions = [] -%}
    {%- for column in contract_required(contract) -%}
        {%- do conditions.append(column ~ " is null") -%}
    {%- endfor -%}
    {%- for column, bound in contract_bounds(contract).items() -%}
        {%- if bound.min is defined -%}
            {%- do conditions.append(column ~ " < " ~ bound.min) -%}
        {%- endif -%}
        {%- if bound.max is defined -%}
            {%- do conditions.append(column ~ " > " ~ bound.max) -%}
        {%- endif -%}
    {%- endfor %}
    select *
    from {{ model }}
    where
        {{ conditions | join("\n        or ") }}
{% endtest %}
