-- The last var('snapshot_quarters') quarter ends on or before reference_date. A snapshot sees
-- the versions that had arrived by the end of that day (reported_at < quarter end + 1 day).
with

offsets as (

    {{ integer_series('quarters_back', 0, snapshot_quarters()) }}

),

quarter_ends as (

    select
        cast(
            {{ plus_months(
                "date_trunc('quarter', " ~ reference_date() ~ ")",
                "3 - 3 * offsets.quarters_back"
            ) }}
            - interval 1 day as date
        ) as snapshot_date
    from offsets

),

newest_first as (

    select
        snapshot_date,
        row_number() over (order by snapshot_date desc) as recency
    from quarter_ends
    where snapshot_date <= {{ reference_date() }}

)

select
    snapshot_date,
    cast(snapshot_date + interval 1 day as timestamp) as visible_before
from newest_first
where recency <= {{ snapshot_quarters() }}
