{#- Every participant in fct_followup_status has one due date per horizon, in the horizons'
    order (0 < 6 < 12 months after programme end). Due and overdue are judged on these dates;
    the ingest guarantees programme_end, so a failure is a defect in the model. -#}
with

per_participant as (
    select
        programme_id,
        participant_key,
        -- count(*) suffices: with three rows and three due dates in order, the horizons differ.
        count(*) as horizons,
        {%- for horizon in horizons() %}
        max(case when horizon_months = {{ horizon }} then due_date end) as due_{{ horizon }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ get_where_subquery(ref("fct_followup_status")) }}
    group by programme_id, participant_key
)

select *
from per_participant
where
    horizons != {{ horizons() | length }}
    {%- for horizon in horizons()[1:] %}
    or not coalesce(due_{{ horizon }} > due_{{ horizons()[loop.index0] }}, false)
    {%- endfor %}
