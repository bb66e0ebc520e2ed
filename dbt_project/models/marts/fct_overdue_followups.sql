-- The follow-ups that are due at reference_date but not reported: the chase list.
-- Incremental by participant; computed whole on another reference date, which every row's
-- days_overdue counts from (macros/participant_increments.sql; config in dbt_project.yml).
with

followup_status as (

    select followups.*
    from {{ ref('fct_followup_status') }} as followups
    {{ only_changed_rows('followups') }}

)

select
    programme_id,
    grant_year,
    cohort,
    participant_key,
    horizon_months,
    due_date,
    cast({{ days_between('due_date', reference_date()) }} as integer) as days_overdue
from followup_status
where follow_up_state = 'overdue'
