-- fct_attainment as it stood at each of the last var('snapshot_quarters') quarter ends: only
-- versions that had arrived by the end of that day, due-ness judged on that day. Versions
-- arriving later never change a past quarter, so the model is incremental: only snapshots
-- whose inputs changed (a new quarter, a back-dated file, other SQL) are computed again
-- (macros/quarter_snapshots.sql).
{{
    config(
        materialized="incremental",
        incremental_strategy="append",
        on_schema_change="fail",
        pre_hook="{{ delete_changed_quarter_snapshots() }}",
    )
}}

with

snapshots as (

    select
        snapshot_date,
        visible_before,
        input_followup_versions,
        input_register_versions,
        full_time_threshold,
        code_fingerprint
    from ({{ quarter_snapshot_inputs() }}) as snapshot_inputs
    {% if is_incremental() -%}
        where snapshot_date not in ({{ unchanged_quarter_snapshots() }})
    {%- endif %}

),

{{ quarter_snapshot_logic() }}

-- The contract sets the column order (as_of_date first, the inputs last).
select
    {{ star_except(['snapshot_date'], 'attainment') }},  -- noqa: RF02
    snapshots.input_followup_versions,
    snapshots.input_register_versions,
    snapshots.full_time_threshold,
    snapshots.code_fingerprint,
    attainment.snapshot_date as as_of_date
from attainment
inner join snapshots
    on attainment.snapshot_date = snapshots.snapshot_date
