-- How participants move between statuses from programme end to 6 and 12 months after.
-- A horizon reads 'unknown' when due but not reported, 'not_due' when not yet due.
-- Incremental by programme, as fct_attainment (macros/participant_increments.sql; config in
-- dbt_project.yml).
with

followup_status as (

    select followups.*
    from {{ ref('fct_followup_status') }} as followups
    {{ only_changed_rows('followups') }}

),

per_horizon as (

    select
        programme_id,
        grant_year,
        cohort,
        participant_key,
        horizon_months,
        case follow_up_state
            when 'reported' then status
            when 'overdue' then 'unknown'
            else 'not_due'
        end as horizon_status
    from followup_status

),

pivoted as (

    select
        programme_id,
        grant_year,
        cohort,
        participant_key,
        max(case when horizon_months = 0 then horizon_status end) as status_0,
        max(case when horizon_months = 6 then horizon_status end) as status_6,
        max(case when horizon_months = 12 then horizon_status end) as status_12
    from per_horizon
    group by programme_id, grant_year, cohort, participant_key

)

select
    programme_id,
    grant_year,
    cohort,
    status_0,
    status_6,
    status_12,
    cast(count(*) as bigint) as participants
from pivoted
group by programme_id, grant_year, cohort, status_0, status_6, status_12
