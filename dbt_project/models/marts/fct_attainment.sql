-- Attainment per programme x grant year x cohort x horizon at reference_date.
-- Logic in macros/attainment.sql (shared with fct_attainment_by_quarter). Incremental by programme:
-- a run computes again the programmes a new upload or register version touches, all of them on
-- another reference date (macros/participant_increments.sql; config in dbt_project.yml).
with

snapshots as (

    {{ current_snapshot() }}

),

followup_status as (

    select
        followups.*,
        snapshots.snapshot_date
    from {{ ref('fct_followup_status') }} as followups
    cross join snapshots
    {{ only_changed_rows('followups') }}

),

attainment as (

    {{ attainment_from('followup_status', 'snapshots') }}

)

select {{ star_except(['snapshot_date']) }}
from attainment
