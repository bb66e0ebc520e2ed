-- Participant x horizon at reference_date: every non-withdrawn participant gets horizons 0, 6
-- and 12, reported or not. Logic in macros/followup_status.sql (shared with the quarter
-- snapshots). Incremental by participant: a run computes again only the participants a new
-- upload or register version touches, or whose due date the reference date passed since the
-- last build (macros/participant_increments.sql; config in dbt_project.yml).
with

snapshots as (

    {{ current_snapshot() }}

),

changed_versions as (

    select followup_versions.*
    from {{ ref('int_followup_versions') }} as followup_versions
    {{ only_changed_rows('followup_versions') }}

),

followup_status as (

    {{ followup_status_at('snapshots', 'changed_versions') }}

)

select {{ star_except(['snapshot_date']) }}
from followup_status
