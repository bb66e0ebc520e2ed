-- One row per reported version of a programme's status report (programme x grant year x period).
with

source as (

    select * from {{ source('raw', 'raw_status_reports') }}

),

renamed as (

    select
        programme_id,
        cast(grant_year as integer) as grant_year,
        period_start,
        period_end,
        cast(pairs_planned as integer) as pairs_planned,
        cast(pairs_recruited as integer) as pairs_recruited,
        cast(participants_completed as integer) as participants_completed,
        cast(reported_employed as integer) as reported_employed,
        cast(reported_relevant as integer) as reported_relevant,
        reported_attainment,
        comment as comment_text,
        upload_id,
        source_row,
        reported_at
    from source
    where reported_at < {{ as_of() }}

)

select * from renamed
