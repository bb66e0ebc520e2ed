-- The follow-ups that are due at reference_date but not reported: the chase list.
with

followup_status as (

    select * from {{ ref('fct_followup_status') }}

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
