-- Participant x horizon at reference_date: every non-withdrawn participant gets horizons 0, 6
-- and 12, reported or not. Logic in macros/followup_status.sql (shared with the quarter
-- snapshots).
with

snapshots as (

    {{ current_snapshot() }}

),

followup_status as (

    {{ followup_status_at('snapshots') }}

)

select {{ star_except(['snapshot_date']) }}
from followup_status
