-- Every reported version of a register row (programme x grant year) with its validity
-- interval, so targets and grant years can be read as they stood at any snapshot.
with

register as (

    select * from {{ ref('stg_imdi__programme_register') }}

),

versioned as (

    select
        programme_id,
        grant_year,
        name,
        organisation,
        programme_type,
        grant_nok,
        target_group,
        goal_statement,
        planned_participants,
        duration_months,
        target_employed_pct_0,
        target_employed_pct_6,
        target_employed_pct_12,
        target_relevant_pct_12,
        upload_id,
        source_row,
        reported_at,
        {{ version_validity(['programme_id', 'grant_year']) }}
    from register

)

select
    *,
    valid_to is null as is_current
from versioned
