-- Every reported version of a participant x horizon, with its validity interval
-- [valid_from, valid_to): the version current at a moment t has valid_from < t and
-- (valid_to is null or valid_to >= t), as in versions_current_at().
-- Incremental by participant: a run computes again only the participants a new upload brings
-- versions of (macros/participant_increments.sql; config in dbt_project.yml); every window here is
-- per participant.
with

followups as (

    select stg_followups.*
    from {{ ref('stg_imdi__followups') }} as stg_followups
    {{ only_changed_rows('stg_followups') }}

),

versioned as (

    select
        programme_id,
        participant_key,
        horizon_months,
        cohort,
        grant_year,
        birth_year,
        gender,
        education_level,
        education_country,
        programme_start,
        programme_end,
        exit_reason,
        observed_on,
        status,
        job_relevance,
        position_pct,
        contract_type,
        via_programme,
        business_has_revenue,
        withdrawn,
        status_source,
        evidence,
        comment_text,
        upload_id,
        source_row,
        reported_at,
        {{ version_validity(['programme_id', 'participant_key', 'horizon_months']) }},
        min(reported_at) over (
            partition by programme_id, participant_key
        ) as first_reported_at
    from followups

)

select
    *,
    valid_to is null as is_current
from versioned
