-- One row per rejected value or warning raised by validation.
with

source as (

    select * from {{ source('raw', 'raw_rejections') }}

),

renamed as (

    select
        upload_id,
        source_row,
        column_name,
        value as rejected_value,
        rule as rule_id,
        severity,
        message_nb
    from source

)

select * from renamed
