{#-
    Incremental upkeep of fct_attainment_by_quarter, per quarter snapshot x programme. The
    inputs of a programme's rows in a snapshot are the programme's follow-up and register
    versions reported before the snapshot's visible_before (a participant belongs to one
    programme; targets come from the programme's register rows). The raw tables are
    append-only, so those inputs change only by growing: a snapshot x programme whose count of
    visible versions is what it was when its rows were built, computed with the same full-time
    threshold by the same SQL (a fingerprint of the snapshot SQL and of every model), has
    exactly what it was built from and is kept. Any other - a new quarter, a programme grown by
    a file stamped before the quarter end but loaded after it, another threshold, changed SQL -
    is deleted and computed again, and snapshots that have left the window are deleted. A late
    file therefore recomputes only the programmes it reports on, in the snapshots it reaches.
-#}

{#- Every snapshot in the window x every programme with follow-up versions visible at it, with
    the size of its inputs. -#}
{% macro quarter_snapshot_inputs() %}
    with

    followup_arrivals as (
        select
            programme_id,
            reported_at,
            count(*) as versions
        from {{ ref("int_followup_versions") }}
        group by programme_id, reported_at
    ),

    register_arrivals as (
        select
            programme_id,
            reported_at,
            count(*) as versions
        from {{ ref("int_programme_register_versions") }}
        group by programme_id, reported_at
    ),

    followup_inputs as (
        select
            quarter_ends.snapshot_date,
            quarter_ends.visible_before,
            followup_arrivals.programme_id,
            sum(followup_arrivals.versions) as versions
        from {{ ref("int_quarter_ends") }} as quarter_ends
        inner join followup_arrivals
            on followup_arrivals.reported_at < quarter_ends.visible_before
        group by quarter_ends.snapshot_date, quarter_ends.visible_before, followup_arrivals.programme_id
    ),

    register_inputs as (
        select
            quarter_ends.snapshot_date,
            register_arrivals.programme_id,
            sum(register_arrivals.versions) as versions
        from {{ ref("int_quarter_ends") }} as quarter_ends
        inner join register_arrivals
            on register_arrivals.reported_at < quarter_ends.visible_before
        group by quarter_ends.snapshot_date, register_arrivals.programme_id
    )

    select
        followup_inputs.snapshot_date,
        followup_inputs.visible_before,
        followup_inputs.programme_id,
        cast(followup_inputs.versions as bigint) as input_followup_versions,
        cast(coalesce(register_inputs.versions, 0) as bigint) as input_register_versions,
        {{ full_time_threshold() }} as full_time_threshold,
        '{{ project_code_fingerprint() }}' as code_fingerprint
    from followup_inputs
    left join register_inputs
        on
            followup_inputs.snapshot_date = register_inputs.snapshot_date
            and followup_inputs.programme_id = register_inputs.programme_id
{% endmacro %}


{#- The snapshot x programme pairs whose stored rows were built from exactly their current
    inputs. -#}
{% macro unchanged_quarter_snapshots() %}
    select
        inputs.snapshot_date,
        inputs.programme_id
    from ({{ quarter_snapshot_inputs() }}) as inputs
    where exists (
        select 1
        from {{ this }} as built
        where
            built.as_of_date = inputs.snapshot_date
            and built.programme_id = inputs.programme_id
            and built.input_followup_versions = inputs.input_followup_versions
            and built.input_register_versions = inputs.input_register_versions
            and built.full_time_threshold = inputs.full_time_threshold
            and built.code_fingerprint = inputs.code_fingerprint
    )
{% endmacro %}


{#- pre-hook: remove the rows of every snapshot x programme that is not unchanged, before the
    model appends them anew. -#}
{% macro delete_changed_quarter_snapshots() %}
    {%- if is_incremental() %}
    delete from {{ this }} as built
    where not exists (
        select 1
        from ({{ unchanged_quarter_snapshots() }}) as unchanged
        where
            unchanged.snapshot_date = built.as_of_date
            and unchanged.programme_id = built.programme_id
    )
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- The CTEs that compute the snapshots (the indicator and attainment macros, rendered). -#}
{% macro quarter_snapshot_logic() %}
    followup_status as (

        {{ followup_status_at('snapshots', 'snapshot_versions') }}

    ),

    attainment as (

        {{ attainment_from('followup_status', 'snapshots') }}

    )
{% endmacro %}


{#- md5 of the SQL that computes a snapshot: quarter_snapshot_logic() as rendered, and the SQL of
    every model of the project (the upstream views). dbt's graph of models is there when a
    model's SQL is executed, not while dbt parses or in a unit test. -#}
{% macro project_code_fingerprint() -%}
    {%- set parts = [quarter_snapshot_logic()] + models_code() -%}
    {{- return(local_md5(parts | join("\n"))) -}}
{%- endmacro %}


{#- The SQL of every model of the project as written (refs unrendered), one entry per model. -#}
{% macro models_code() -%}
    {%- set parts = [] -%}
    {%- if execute and graph.get("nodes") is not none -%}
        {%- for node in graph.nodes.values() | sort(attribute="unique_id") -%}
            {%- if node.resource_type == "model" and node.package_name == project_name -%}
                {%- do parts.append(node.unique_id ~ "\n" ~ node.raw_code) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(parts) -}}
{%- endmacro %}
