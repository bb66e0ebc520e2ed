-- fct_attainment as it stood at each of the last var('snapshot_quarters') quarter ends: only
-- versions that had arrived by the end of that day, due-ness judged on that day. Versions
-- arriving later never change a past quarter, so the model is incremental: only the programmes
-- of the snapshots whose inputs changed (a new quarter, a back-dated file, other SQL) are
-- computed again (macros/quarter_snapshots.sql). New columns are added to an existing table
-- (append_new_columns): new columns mean new SQL, so the pre-hook has deleted every snapshot
-- by its fingerprint and none keeps a null in them. A removed column still needs a full
-- refresh (dbt allows only 'fail' or 'append_new_columns' with an enforced contract).
{{
    config(
        materialized="incremental",
        incremental_strategy="append",
        on_schema_change="append_new_columns",
        pre_hook="{{ delete_changed_quarter_snapshots() }}",
    )
}}

with

snapshot_programmes as (

    select
        snapshot_date,
        visible_before,
        programme_id,
        input_followup_versions,
        input_register_versions,
        full_time_threshold,
        code_fingerprint
    from ({{ quarter_snapshot_inputs() }}) as snapshot_inputs
    {% if is_incremental() -%}
        where not exists (
            select 1 as is_unchanged
            from ({{ unchanged_quarter_snapshots() }}) as unchanged
            where
                unchanged.snapshot_date = snapshot_inputs.snapshot_date
                and unchanged.programme_id = snapshot_inputs.programme_id
        )
    {%- endif %}

),

snapshots as (

    select distinct
        snapshot_date,
        visible_before
    from snapshot_programmes

),

-- The versions of the programmes computed again (whole programmes: a participant's rows depend
-- on their programme's versions only); rows of other snapshots are dropped by the join below.
snapshot_versions as (

    select followup_versions.*
    from {{ ref('int_followup_versions') }} as followup_versions
    where followup_versions.programme_id in (
        select snapshot_programmes.programme_id from snapshot_programmes
    )

),

{{ quarter_snapshot_logic() }}

-- The contract sets the column order (as_of_date first, the inputs last).
select
    {{ star_except(['snapshot_date'], 'attainment') }},  -- noqa: RF02
    snapshot_programmes.input_followup_versions,
    snapshot_programmes.input_register_versions,
    snapshot_programmes.full_time_threshold,
    snapshot_programmes.code_fingerprint,
    attainment.snapshot_date as as_of_date
from attainment
inner join snapshot_programmes
    on
        attainment.snapshot_date = snapshot_programmes.snapshot_date
        and attainment.programme_id = snapshot_programmes.programme_id
