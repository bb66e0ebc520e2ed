-- Attainment per programme x grant year x cohort x horizon at reference_date.
-- Logic in macros/attainment.sql (shared with fct_attainment_by_quarter).
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

),

attainment as (

    {{ attainment_from('followup_status', 'snapshots') }}

)

select {{ star_except(['snapshot_date']) }}
from attainment
