{#-
    The project's variables, read in one place so every model renders them the same way.
    Values are quoted as SQL strings (quotes doubled) and cast by DuckDB, which rejects
    anything that is not a date or timestamp.
-#}

{% macro as_of() -%}
    cast('{{ var("as_of") | string | replace("'", "''") }}' as timestamp)
{%- endmacro %}


{% macro reference_date() -%}
    {%- set value = var("reference_date", none) -%}
    {%- if value is none or (value | string | trim) == "" -%}
        current_date
    {%- else -%}
        cast('{{ value | string | replace("'", "''") }}' as date)
    {%- endif -%}
{%- endmacro %}


{% macro full_time_threshold() -%}
    cast({{ var("full_time_threshold") | float }} as double)
{%- endmacro %}


{% macro snapshot_quarters() -%}
    {{ var("snapshot_quarters") | int }}
{%- endmacro %}


{#- The single snapshot the marts describe: due-ness judged on reference_date, every version
    before as_of visible. Quarter-end snapshots come from int_quarter_ends. -#}
{% macro current_snapshot() -%}
    select
        {{ reference_date() }} as snapshot_date,
        {{ as_of() }} as visible_before
{%- endmacro %}
