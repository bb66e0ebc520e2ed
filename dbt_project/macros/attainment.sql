{#-
    Attainment per programme x grant year x cohort x horizon, from participant x horizon rows
    of followup_status_at() (any snapshots). Written once; fct_attainment and
    fct_attainment_by_quarter both call it.

    Population ("in scope"): the follow-up is due at the snapshot, or it was reported anyway.
    Shares are rounded to one decimal; of_known shares are null when nobody has a known status.
    Each indicator gets a share for the denominators schemas/indicators.yaml lists for it, and
    only those: unknown has no share of the known (it would exceed 100 % with low response).
    Targets come from the register row (programme x grant year) as it stood at the snapshot.
-#}

{% macro attainment_from(followup_status, snapshots) %}
    with

    in_scope as (
        select *
        from {{ followup_status }}
        where is_due or follow_up_state = 'reported'
    ),

    counted as (
        select
            snapshot_date,
            programme_id,
            grant_year,
            cohort,
            horizon_months,
            count(*) as participants,
            count(*) filter (where follow_up_state = 'reported') as reported,
            count(*) filter (where is_known) as known_status,
            {%- for name in indicator_names() %}
            count(*) filter (where is_{{ name }}) as n_{{ name }},
            {%- endfor %}
            count(*) filter (where follow_up_state = 'overdue') as overdue
        from in_scope
        group by snapshot_date, programme_id, grant_year, cohort, horizon_months
    ),

    visible_register as (
        {{ versions_current_at(ref("int_programme_register_versions"), snapshots) }}
    ),

    with_shares as (
        select
            counted.*,
            {{ share_pct('counted.known_status', 'counted.participants') }} as coverage_pct,
            {%- for indicator in indicators() %}
            {%- if "all" in indicator.denominators %}
            {{ share_pct('counted.n_' ~ indicator.code, 'counted.participants') }}
                as pct_{{ indicator.code }}_of_all,
            {%- endif %}
            {%- if "known" in indicator.denominators %}
            {{ share_pct('counted.n_' ~ indicator.code, 'nullif(counted.known_status, 0)') }}
                as pct_{{ indicator.code }}_of_known,
            {%- endif %}
            {%- endfor %}
            cast(case counted.horizon_months
                when 0 then register.target_employed_pct_0
                when 6 then register.target_employed_pct_6
                when 12 then register.target_employed_pct_12
            end as double) as target_employed_pct,
            cast(case
                when counted.horizon_months = 12 then register.target_relevant_pct_12
            end as double) as target_relevant_pct
        from counted
        left join visible_register as register
            on
                counted.snapshot_date = register.snapshot_date
                and counted.programme_id = register.programme_id
                and counted.grant_year = register.grant_year
    )

    select
        snapshot_date,
        programme_id,
        grant_year,
        cohort,
        horizon_months,
        participants,
        reported,
        known_status,
        coverage_pct,
        {%- for indicator in indicators() %}
        n_{{ indicator.code }},
        {%- for denominator in indicator.denominators %}
        pct_{{ indicator.code }}_of_{{ denominator }},
        {%- endfor %}
        {%- endfor %}
        target_employed_pct,
        target_relevant_pct,
        pct_employed_of_all >= target_employed_pct as employed_target_met,
        pct_relevant_work_of_all >= target_relevant_pct as relevant_target_met,
        overdue
    from with_shares
{% endmacro %}

