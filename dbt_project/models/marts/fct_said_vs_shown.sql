-- What a programme said in its status report beside what its participant rows show, for the
-- same programme and grant year. Differences are said minus shown.
with

status_reports as (

    {{ first_row_per(
        ref('stg_imdi__status_reports'),
        'programme_id, grant_year, period_end',
        newest_first()
    ) }}

),

participants as (

    select
        programme_id,
        grant_year,
        count(*) as shown_participants,
        count_if(exit_reason = 'completed') as shown_completed
    from {{ ref('dim_participants') }}
    where not is_withdrawn
    group by programme_id, grant_year

),

at_programme_end as (

    select
        programme_id,
        grant_year,
        count_if(is_employed) as shown_employed_0,
        count_if(is_relevant_work) as shown_relevant_0
    from {{ ref('fct_followup_status') }}
    where horizon_months = 0
    group by programme_id, grant_year

),

claims as (

    -- "7 av 10 deltakere har jobbdeltakelse": the numbers, when the text has them.
    select
        programme_id,
        grant_year,
        period_end,
        cast(nullif(regexp_extract(reported_attainment, '(\d+)\s*av\s*(\d+)', 1), '') as integer)
            as claimed_count,
        cast(nullif(regexp_extract(reported_attainment, '(\d+)\s*av\s*(\d+)', 2), '') as integer)
            as claimed_of
    from status_reports

),

joined as (

    select
        status_reports.programme_id,
        status_reports.grant_year,
        status_reports.period_start,
        status_reports.period_end,
        status_reports.pairs_planned,
        status_reports.pairs_recruited,
        status_reports.participants_completed,
        status_reports.reported_employed,
        status_reports.reported_relevant,
        status_reports.reported_attainment,
        claims.claimed_count,
        claims.claimed_of,
        status_reports.reported_at,
        status_reports.upload_id,
        cast(coalesce(participants.shown_participants, 0) as bigint) as shown_participants,
        cast(coalesce(participants.shown_completed, 0) as bigint) as shown_completed,
        cast(coalesce(at_programme_end.shown_employed_0, 0) as bigint) as shown_employed_0,
        cast(coalesce(at_programme_end.shown_relevant_0, 0) as bigint) as shown_relevant_0
    from status_reports
    left join claims
        on
            status_reports.programme_id = claims.programme_id
            and status_reports.grant_year = claims.grant_year
            and status_reports.period_end = claims.period_end
    left join participants
        on
            status_reports.programme_id = participants.programme_id
            and status_reports.grant_year = participants.grant_year
    left join at_programme_end
        on
            status_reports.programme_id = at_programme_end.programme_id
            and status_reports.grant_year = at_programme_end.grant_year

)

select
    programme_id,
    grant_year,
    period_start,
    period_end,
    pairs_planned,
    pairs_recruited,
    participants_completed,
    reported_employed,
    reported_relevant,
    reported_attainment,
    claimed_count,
    claimed_of,
    shown_participants,
    shown_completed,
    shown_employed_0,
    shown_relevant_0,
    reported_at,
    upload_id,
    {{ share_pct('claimed_count', 'nullif(claimed_of, 0)') }} as claimed_pct,
    pairs_recruited - shown_participants as recruited_difference,
    participants_completed - shown_completed as completed_difference,
    reported_employed - shown_employed_0 as employed_difference,
    reported_relevant - shown_relevant_0 as relevant_difference
from joined
