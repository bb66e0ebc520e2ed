-- One row per reported version of a register row (programme x grant year).
with

source as (

    select * from {{ source('raw', 'raw_programme_register') }}

),

renamed as (

    select
        programme_id,
        cast(grant_year as integer) as grant_year,
        name,
        organisation,
        programme_type,
        grant_nok,
        target_group,
        goal_statement,
        cast(planned_participants as integer) as planned_participants,
        cast(duration_months as integer) as duration_months,
        cast(target_employed_pct_0 as double) as target_employed_pct_0,
        cast(target_employed_pct_6 as double) as target_employed_pct_6,
        cast(target_employed_pct_12 as double) as target_employed_pct_12,
        cast(target_relevant_pct_12 as double) as target_relevant_pct_12,
        upload_id,
        source_row,
        reported_at
    from source
    where reported_at < {{ as_of() }}

)

select * from renamed
