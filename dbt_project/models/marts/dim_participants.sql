-- One row per participant (programme_id x participant_key), withdrawn ones included.
with

snapshots as (

    {{ current_snapshot() }}

),

participants as (

    {{ participants_at('snapshots') }}

)

select
    programme_id,
    participant_key,
    cohort,
    grant_year,
    grant_year_source,
    programme_start,
    programme_end,
    exit_reason,
    gender,
    birth_year,
    education_level,
    education_country,
    is_withdrawn,
    first_reported_at,
    last_reported_at
from participants
