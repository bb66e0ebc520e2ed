-- One row per reported version of a register row (participant key x reference month), typed:
-- the key in the warehouse's form (32 lower-case hex digits, the file's hyphens removed) and
-- the month as its first day. Only versions that arrived before as_of are visible.
with

source as (

    select * from {{ source('raw', 'raw_register_employment') }}

),

renamed as (

    select
        programme_id,
        employed,
        permanent,
        upload_id,
        source_row,
        reported_at,
        cast(position_pct as double) as position_pct,
        cast(reference_month || '-01' as date) as reference_month,
        lower(replace(participant_key, '-', '')) as participant_key
    from source
    where reported_at < {{ as_of() }}

)

select * from renamed
