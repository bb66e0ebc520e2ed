{#-
    The participant and follow-up logic, written once and evaluated at any set of snapshots
    (snapshot_date = the day due-ness is judged on, visible_before = exclusive bound on
    reported_at). fct_followup_status/dim_participants use the current snapshot,
    fct_attainment_by_quarter the quarter ends.
-#}

{#- The indicator codes, in the order of schemas/indicators.yaml (generated macro indicators()). -#}
{% macro indicator_names() -%}
    {{ return(indicators() | map(attribute="code") | list) }}
{%- endmacro %}


{#- One row per version event of a participant (any horizon), in version order: the
    participant's attributes from that version (the newest so far) and, per horizon, a struct
    with the newest version of that horizon so far (null if none yet). [valid_from, valid_to)
    is when this was the participant's state, so a range join with the snapshots yields one
    row per snapshot x participant, with no per-snapshot window or join on the follow-ups.
    `versions`: the follow-up versions to read (default int_followup_versions; a subset of
    whole participants gives those participants' rows). -#}
{% macro participant_timeline(versions=none) %}
    select
        programme_id,
        participant_key,
        cohort,
        grant_year,
        programme_start,
        programme_end,
        exit_reason,
        gender,
        birth_year,
        education_level,
        education_country,
        withdrawn,
        first_reported_at,
        reported_at as last_reported_at,
        reported_at as valid_from,
        lead(reported_at) over participant_versions as valid_to,
        {%- for horizon in [0, 6, 12] %}
        {{ last_value_ignore_nulls(
            "case when horizon_months = " ~ horizon ~ " then " ~ struct_of([
                "status",
                "job_relevance",
                "position_pct",
                "contract_type",
                "via_programme",
                "business_has_revenue",
                "observed_on",
                "status_source",
                "evidence",
                "reported_at",
                "upload_id",
                "version_number",
            ]) ~ " end"
        ) }} over (
            partition by programme_id, participant_key
            order by {{ oldest_first() }}
            rows between unbounded preceding and current row
        ) as horizon_{{ horizon }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ versions or ref("int_followup_versions") }}
    window participant_versions as (
        partition by programme_id, participant_key
        order by {{ oldest_first() }}
    )
{% endmacro %}


{#- One row per snapshot x participant, from the participant timeline rows current at each
    snapshot (`visible_timeline`). grant_year: from the row, else the register (as it stood at
    the snapshot) year equal to or nearest before the start year, else the start year. -#}
{% macro participants_from(visible_timeline, snapshots) %}
    with

    visible_register as (
        {{ versions_current_at(ref("int_programme_register_versions"), snapshots) }}
    ),

    start_years_without_grant_year as (
        select distinct
            snapshot_date,
            programme_id,
            cast(year(programme_start) as integer) as start_year
        from {{ visible_timeline }}
        where grant_year is null
    ),

    register_grant_years as (
        select
            start_years.snapshot_date,
            start_years.programme_id,
            start_years.start_year,
            max(register.grant_year) as register_grant_year
        from start_years_without_grant_year as start_years
        inner join visible_register as register
            on
                start_years.snapshot_date = register.snapshot_date
                and start_years.programme_id = register.programme_id
                and register.grant_year <= start_years.start_year
        group by start_years.snapshot_date, start_years.programme_id, start_years.start_year
    )

    select
        latest.snapshot_date,
        latest.programme_id,
        latest.participant_key,
        latest.cohort,
        cast(coalesce(
            latest.grant_year,
            register_years.register_grant_year,
            year(latest.programme_start)
        ) as integer) as grant_year,
        case
            when latest.grant_year is not null then 'reported'
            when register_years.register_grant_year is not null then 'register'
            else 'start_year'
        end as grant_year_source,
        latest.programme_start,
        latest.programme_end,
        latest.exit_reason,
        latest.gender,
        latest.birth_year,
        latest.education_level,
        latest.education_country,
        coalesce(latest.withdrawn = 'yes', false) as is_withdrawn,
        latest.first_reported_at,
        latest.last_reported_at,
        latest.horizon_0,
        latest.horizon_6,
        latest.horizon_12
    from {{ visible_timeline }} as latest
    left join register_grant_years as register_years
        on
            latest.snapshot_date = register_years.snapshot_date
            and latest.programme_id = register_years.programme_id
            and year(latest.programme_start) = register_years.start_year
{% endmacro %}


{% macro participants_at(snapshots, versions=none) %}
    with

    timeline as (
        {{ participant_timeline(versions) }}
    ),

    visible_timeline as (
        {{ versions_current_at("timeline", snapshots) }}
    )

    select participants.*
    from ({{ participants_from("visible_timeline", snapshots) }}) as participants
{% endmacro %}


{#- One row per snapshot x non-withdrawn participant x horizon (0, 6, 12), with the state of the
    follow-up and the indicator booleans. The indicator definitions live here and nowhere else. -#}
{% macro followup_status_at(snapshots, versions=none) %}
    {%- set threshold = full_time_threshold() -%}
    {%- set employed = "status in ('employed', 'self_employed')" -%}
    with

    timeline as (
        {{ participant_timeline(versions) }}
    ),

    visible_timeline as (
        {{ versions_current_at("timeline", snapshots) }}
    ),

    participants as (
        select all_participants.*
        from ({{ participants_from("visible_timeline", snapshots) }}) as all_participants
        where not all_participants.is_withdrawn
    ),

    horizons as (
        select 0 as horizon_months
        union all
        select 6 as horizon_months
        union all
        select 12 as horizon_months
    ),

    expected as (
        select
            participants.*,
            horizons.horizon_months,
            case horizons.horizon_months
                when 0 then participants.horizon_0
                when 6 then participants.horizon_6
                when 12 then participants.horizon_12
            end as horizon_report,
            {{ plus_months("participants.programme_end", "horizons.horizon_months") }} as due_date
        from participants
        cross join horizons
    ),

    joined as (
        select
            expected.snapshot_date,
            expected.programme_id,
            expected.grant_year,
            expected.grant_year_source,
            expected.cohort,
            expected.participant_key,
            cast(expected.horizon_months as integer) as horizon_months,
            expected.programme_start,
            expected.programme_end,
            expected.exit_reason,
            expected.due_date,
            expected.due_date <= expected.snapshot_date as is_due,
            case
                when expected.horizon_report is not null then 'reported'
                when expected.due_date <= expected.snapshot_date then 'overdue'
                else 'not_due'
            end as follow_up_state,
            coalesce(expected.horizon_report.status, 'unknown') as status,
            expected.horizon_report.job_relevance as job_relevance,
            expected.horizon_report.position_pct as position_pct,
            expected.horizon_report.contract_type as contract_type,
            expected.horizon_report.via_programme as via_programme,
            expected.horizon_report.business_has_revenue as business_has_revenue,
            expected.horizon_report.observed_on as observed_on,
            expected.horizon_report.status_source as status_source,
            expected.horizon_report.evidence as evidence,
            {{ plus_days("expected.due_date", observation_window_days()["after"]) }}
                as window_closes_on,
            expected.horizon_report.reported_at as reported_at,
            expected.horizon_report.upload_id as upload_id,
            cast(coalesce(expected.horizon_report.version_number, 0) as integer) as version_count,
            expected.gender,
            expected.birth_year,
            expected.education_level
        from expected
    ),

    with_indicators as (
        select
            *,
            follow_up_state = 'reported' and status != 'unknown' as is_known,
            {{ employed }} as is_employed,
            {{ employed }} and coalesce(job_relevance = 'relevant', false) as is_relevant_work,
            {{ employed }} and coalesce(position_pct >= {{ threshold }}, false) as is_full_time,
            {{ employed }} and coalesce(position_pct < {{ threshold }}, false) as is_part_time,
            status = 'employed' and coalesce(contract_type = 'permanent', false) as is_permanent,
            status = 'employed' and coalesce(contract_type = 'temporary', false) as is_temporary,
            status = 'employed' and coalesce(
                job_relevance = 'relevant'
                and contract_type = 'permanent'
                and position_pct >= {{ threshold }},
                false
            ) as is_right_shelf,
            (status = 'internship' and coalesce(job_relevance = 'relevant', false))
            or status = 'education' as is_closer_to_relevant,
            status = 'unemployed' as is_unemployed,
            not (follow_up_state = 'reported' and status != 'unknown') as is_unknown
        from joined
    )

    select
        snapshot_date,
        programme_id,
        grant_year,
        grant_year_source,
        cohort,
        participant_key,
        horizon_months,
        programme_start,
        programme_end,
        exit_reason,
        due_date,
        is_due,
        follow_up_state,
        status,
        job_relevance,
        position_pct,
        contract_type,
        via_programme,
        business_has_revenue,
        observed_on,
        status_source,
        evidence,
        window_closes_on,
        reported_at,
        upload_id,
        version_count,
        is_known,
        {%- for name in indicator_names() %}
        is_{{ name }},
        {%- endfor %}
        gender,
        birth_year,
        education_level
    from with_indicators
{% endmacro %}
