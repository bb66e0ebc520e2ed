{#-
    SQL that differs between the engines the project runs on: DuckDB (the warehouse) and Apache
    Spark (docs/SCALING.md). Each construct is one macro dispatched on the adapter; the
    default__ branch is the DuckDB SQL the models had before, so the DuckDB marts stay as they
    were.
-#}

{#- on-run-start: the tables of source `raw` (_sources.yml) over the Parquet files
    var('raw_parquet_dir')/<table>.parquet (pipelines/warehouse/parquet.py). Nothing on DuckDB,
    where the Python ingest writes them. -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch("register_raw_tables", "imdi_outcomes")()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- set directory = var("raw_parquet_dir", "") | string -%}
    {%- if execute -%}
        {%- if directory == "" -%}
            {{ exceptions.raise_compiler_error("On Spark, give the raw tables' Parquet folder as the var raw_parquet_dir") }}
        {%- endif -%}
        {%- for source in graph.sources.values() if source.source_name == "raw" -%}
            {%- set table = source.schema ~ "." ~ source.identifier -%}
            {%- do run_query("create database if not exists " ~ source.schema) -%}
            {%- do run_query("drop table if exists " ~ table) -%}
            {%- do run_query(
                "create table " ~ table ~ " using parquet location '"
                ~ directory ~ "/" ~ source.identifier ~ ".parquet'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- A struct of the named columns: struct_pack(a := a, ...) / named_struct('a', a, ...). Its
    fields are read with dot access on both engines. -#}
{% macro struct_of(fields) -%}
    {{ return(adapter.dispatch("struct_of", "imdi_outcomes")(fields)) }}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    struct_pack(
        {%- for field in fields %}
        {{ field }} := {{ field }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct(
        {%- for field in fields %}
        '{{ field }}', {{ field }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- last_value(expression) skipping nulls, to be followed by over (...). -#}
{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch("last_value_ignore_nulls", "imdi_outcomes")(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}


{#- A date plus a whole number of months, clamped to the month's end (Jan 31 + 1 = Feb 28/29),
    as a date. -#}
{% macro plus_months(date_expression, months) -%}
    {{ return(adapter.dispatch("plus_months", "imdi_outcomes")(date_expression, months)) }}
{%- endmacro %}

{% macro default__plus_months(date_expression, months) -%}
    cast({{ date_expression }} + to_months({{ months }}) as date)
{%- endmacro %}

{% macro spark__plus_months(date_expression, months) -%}
    add_months({{ date_expression }}, {{ months }})
{%- endmacro %}


{#- Days from start_date to end_date (positive when end_date is later). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch("days_between", "imdi_outcomes")(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}


{#- A timestamp later than any version's: the open end of a validity interval. -#}
{% macro timestamp_infinity() -%}
    {{ return(adapter.dispatch("timestamp_infinity", "imdi_outcomes")()) }}
{%- endmacro %}

{% macro default__timestamp_infinity() -%}
    cast('infinity' as timestamp)
{%- endmacro %}

{% macro spark__timestamp_infinity() -%}
    timestamp '9999-12-31 23:59:59.999999'
{%- endmacro %}


{#- Every column of `relation` (a table alias; none: all of the from clause) but `columns`. -#}
{% macro star_except(columns, relation=none) -%}
    {{ return(adapter.dispatch("star_except", "imdi_outcomes")(columns, relation)) }}
{%- endmacro %}

{% macro default__star_except(columns, relation) -%}
    {{ relation ~ "." if relation }}* exclude ({{ columns | join(", ") }})
{%- endmacro %}

{% macro spark__star_except(columns, relation) -%}
    {{ relation ~ "." if relation }}* except ({{ columns | join(", ") }})
{%- endmacro %}


{#- The rows of a one-column relation `name` with the integers start..stop (both included). -#}
{% macro integer_series(name, start, stop) -%}
    {{ return(adapter.dispatch("integer_series", "imdi_outcomes")(name, start, stop)) }}
{%- endmacro %}

{% macro default__integer_series(name, start, stop) -%}
    select {{ name }}.generate_series as {{ name }}
    from generate_series({{ start }}, {{ stop }}) as {{ name }}
{%- endmacro %}

{% macro spark__integer_series(name, start, stop) -%}
    select explode(sequence({{ start }}, {{ stop }})) as {{ name }}
{%- endmacro %}


{#- A share in percent, rounded to one decimal, as a double; null when the denominator is. -#}
{% macro share_pct(numerator, denominator) -%}
    {{ return(adapter.dispatch("share_pct", "imdi_outcomes")(numerator, denominator)) }}
{%- endmacro %}

{% macro default__share_pct(numerator, denominator) -%}
    round(100.0 * {{ numerator }} / {{ denominator }}, 1)
{%- endmacro %}

{#- Spark divides decimals exactly (100.0 is a decimal) and rounds half up; the cast gives the
    double the contracts promise. -#}
{% macro spark__share_pct(numerator, denominator) -%}
    cast(round(100.0 * {{ numerator }} / {{ denominator }}, 1) as double)
{%- endmacro %}


{#- The one row per `partition_by` that comes first by `order_by`, all columns of `relation`. -#}
{% macro first_row_per(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch("first_row_per", "imdi_outcomes")(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__first_row_per(relation, partition_by, order_by) -%}
    select * from {{ relation }}
    qualify row_number() over (
        partition by {{ partition_by }}
        order by {{ order_by }}
    ) = 1
{%- endmacro %}

{% macro spark__first_row_per(relation, partition_by, order_by) -%}
    select * except (row_rank)
    from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as row_rank
        from {{ relation }}
    ) as ranked
    where row_rank = 1
{%- endmacro %}


{#- Contracts name DuckDB's types; Spark has no varchar without a length: string. The cast of
    dbt's contract check, otherwise dbt's own (default__cast). -#}
{% macro spark__cast(field, type) -%}
    {%- if type | lower | trim == "varchar" -%}
        cast({{ field }} as string)
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
