-- The upload log: one row per file received, whatever its outcome.
with

source as (

    select * from {{ source('raw', 'raw_uploads') }}

),

renamed as (

    select
        upload_id,
        original_name,
        channel,
        uploaded_by,
        claimed_programme_id,
        received_at,
        size_bytes,
        contract,
        outcome,
        rows_total,
        rows_accepted,
        rows_rejected,
        warnings,
        message_nb
    from source
    where received_at < {{ as_of() }}

)

select * from renamed
