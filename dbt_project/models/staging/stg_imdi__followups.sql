-- One row per reported follow-up version. as_of hides everything that arrived later, so every
-- downstream model sees the warehouse as it stood then.
with

source as (

    select * from {{ source('raw', 'raw_followups') }}

),

renamed as (

    select
        programme_id,
        participant_key,
        cast(horizon_months as integer) as horizon_months,
        cohort,
        cast(grant_year as integer) as grant_year,
        cast(birth_year as integer) as birth_year,
        gender,
        education_level,
        education_country,
        programme_start,
        programme_end,
        exit_reason,
        observed_on,
        status,
        job_relevance,
        cast(position_pct as double) as position_pct,
        contract_type,
        via_programme,
        business_has_revenue,
        withdrawn,
        comment as comment_text,
        upload_id,
        source_row,
        reported_at,
        evidence,
        -- Optional since issue 14 (as evidence): a file without it says nothing, so the
        -- programme is the source.
        coalesce(status_source, 'programme') as status_source
    from source
    where reported_at < {{ as_of() }}

)

select * from renamed
