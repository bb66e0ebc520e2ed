-- The upload log with the number of rejected values (errors) and warnings per upload.
with

uploads as (

    select * from {{ ref('stg_imdi__uploads') }}

),

rejection_counts as (

    select
        upload_id,
        count_if(severity = 'error') as rejection_errors,
        count_if(severity = 'warning') as rejection_warnings
    from {{ ref('stg_imdi__rejections') }}
    group by upload_id

)

select
    uploads.upload_id,
    uploads.original_name,
    uploads.channel,
    uploads.uploaded_by,
    uploads.claimed_programme_id,
    uploads.received_at,
    uploads.size_bytes,
    uploads.contract,
    uploads.outcome,
    uploads.rows_total,
    uploads.rows_accepted,
    uploads.rows_rejected,
    uploads.warnings,
    uploads.message_nb,
    cast(coalesce(rejection_counts.rejection_errors, 0) as bigint) as rejection_errors,
    cast(coalesce(rejection_counts.rejection_warnings, 0) as bigint) as rejection_warnings
from uploads
left join rejection_counts
    on uploads.upload_id = rejection_counts.upload_id
