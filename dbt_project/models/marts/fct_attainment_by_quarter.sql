-- fct_attainment as it stood at each of the last var('snapshot_quarters') quarter ends: only
-- versions that had arrived by the end of that day, due-ness judged on that day. Versions
-- arriving later never change a past quarter.
with

snapshots as (

    select
        snapshot_date,
        visible_before
    from {{ ref('int_quarter_ends') }}

),

followup_status as (

    {{ followup_status_at('snapshots') }}

),

attainment as (

    {{ attainment_from('followup_status', 'snapshots') }}

)

-- The contract puts as_of_date first.
select
    * exclude (snapshot_date),
    snapshot_date as as_of_date
from attainment
