-- One row per participant (programme_id x participant_key), withdrawn ones included.
-- Incremental by participant: a run computes again only the participants a new upload or
-- register version touches (macros/participant_increments.sql; config in dbt_project.yml).
with

snapshots as (

    {{ current_snapshot() }}

),

changed_versions as (

    select followup_versions.*
    from {{ ref('int_followup_versions') }} as followup_versions
    {{ only_changed_rows('followup_versions') }}

),

participants as (

    {{ participants_at('snapshots', 'changed_versions') }}

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
