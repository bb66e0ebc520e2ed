{#-
    Incremental upkeep of fct_attainment_by_quarter. The inputs of a quarter snapshot are the
    follow-up and register versions reported before its visible_before. The raw tables are
    append-only, so those inputs change only by growing: a snapshot whose count of visible
    versions (and full-time threshold) is what it was when its rows were built has exactly
    the inputs it was built from, and is kept. Any other snapshot - new, grown by a late or
    back-dated file, or built with another threshold - is deleted and computed again, and
    snapshots that have left the window are deleted. A change to the SQL itself needs a full
    rebuild (`dbt build --full-refresh`, or deleting the working file: docs/ARCHITECTURE.md).
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
        {{ full_time_threshold() }} as full_time_threshold
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
