{#-
    Incremental upkeep of fct_attainment_by_quarter. The inputs of a quarter snapshot are the
    follow-up and register versions reported before its visible_before. The raw tables are
    append-only, so those inputs change only by growing: a snapshot whose count of visible
    versions is what it was when its rows were built, computed with the same full-time
    threshold by the same SQL (a fingerprint of the snapshot SQL and of every model), has
    exactly what it was built from and is kept. Any other snapshot - new, grown by a file
    stamped before the quarter end but loaded after it, another threshold, changed SQL - is
    deleted and computed again, and snapshots that have left the window are deleted.
-#}

{#- Every snapshot in the window with the size of its inputs. -#}
{% macro quarter_snapshot_inputs() %}
    with

    followup_arrivals as (
        select
            reported_at,
            count(*) as versions
        from {{ ref("int_followup_versions") }}
        group by reported_at
    ),

    register_arrivals as (
        select
            reported_at,
            count(*) as versions
        from {{ ref("int_programme_register_versions") }}
        group by reported_at
    )

    select
        quarter_ends.snapshot_date,
        quarter_ends.visible_before,
        cast(coalesce((
            select sum(followup_arrivals.versions)
            from followup_arrivals
            where followup_arrivals.reported_at < quarter_ends.visible_before
        ), 0) as bigint) as input_followup_versions,
        cast(coalesce((
            select sum(register_arrivals.versions)
            from register_arrivals
            where register_arrivals.reported_at < quarter_ends.visible_before
        ), 0) as bigint) as input_register_versions,
        {{ full_time_threshold() }} as full_time_threshold,
        '{{ project_code_fingerprint() }}' as code_fingerprint
    from {{ ref("int_quarter_ends") }} as quarter_ends
{% endmacro %}


{#- The snapshots whose stored rows were built from exactly their current inputs. -#}
{% macro unchanged_quarter_snapshots() %}
    select inputs.snapshot_date
    from ({{ quarter_snapshot_inputs() }}) as inputs
    where exists (
        select 1
        from {{ this }} as built
        where
            built.as_of_date = inputs.snapshot_date
            and built.input_followup_versions = inputs.input_followup_versions
            and built.input_register_versions = inputs.input_register_versions
            and built.full_time_threshold = inputs.full_time_threshold
            and built.code_fingerprint = inputs.code_fingerprint
    )
{% endmacro %}


{#- pre-hook: remove every snapshot that is not unchanged, before the model appends it anew. -#}
{% macro delete_changed_quarter_snapshots() %}
    {%- if is_incremental() %}
    delete from {{ this }}
    where as_of_date not in ({{ unchanged_quarter_snapshots() }})
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- The CTEs that compute the snapshots (the indicator and attainment macros, rendered). -#}
{% macro quarter_snapshot_logic() %}
    followup_status as (

        {{ followup_status_at('snapshots') }}

    ),

    attainment as (

        {{ attainment_from('followup_status', 'snapshots') }}

    )
{% endmacro %}


{#- md5 of the SQL that computes a snapshot: quarter_snapshot_logic() as rendered, and the SQL of
    every model of the project (the upstream views). dbt's graph of models is there when a
    model's SQL is executed, not while dbt parses or in a unit test. -#}
{% macro project_code_fingerprint() -%}
    {%- set parts = [quarter_snapshot_logic()] -%}
    {%- if execute and graph.get("nodes") is not none -%}
        {%- for node in graph.nodes.values() | sort(attribute="unique_id") -%}
            {%- if node.resource_type == "model" and node.package_name == project_name -%}
                {%- do parts.append(node.unique_id ~ "\n" ~ node.raw_code) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(local_md5(parts | join("\n"))) -}}
{%- endmacro %}
