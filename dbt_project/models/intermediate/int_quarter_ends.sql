-- The last var('snapshot_quarters') quarter ends on or before reference_date. A snapshot sees
-- the versions that had arrived by the end of that day (reported_at < quarter end + 1 day).
with

offsets as (

    select quarters_back.generate_series as quarters_back
    from generate_series(0, {{ snapshot_quarters() }}) as quarters_back

),

quarter_ends as (

    select
        cast(
            date_trunc('quarter', {{ reference_date() }})
            + to_months(3 - 3 * offsets.quarters_back)
            - interval 1 day as date
        ) as snapshot_date
    from offsets

)

select
    snapshot_date,
    cast(snapshot_date + interval 1 day as timestamp) as visible_before
from quarter_ends
where snapshot_date <= {{ reference_date() }}
qualify row_number() over (order by snapshot_date desc) <= {{ snapshot_quarters() }}
