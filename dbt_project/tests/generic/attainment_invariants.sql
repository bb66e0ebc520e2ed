{#- Fails for every attainment row whose figures contradict each other: a share outside
    0-100 %, a count above the participants it is part of, coverage that is not known /
    participants. No valid input can produce such a row (every indicator counts participants
    of the row, and each share's denominator contains its numerator), so a failure is a defect
    in the model. The share columns come from schemas/indicators.yaml (macro indicators()).
    Each failing row says which conditions it breaks (column `violated`), for `imdi run`. -#}
{% test attainment_invariants(model) %}
    {%- set conditions = [
        "reported > participants",
        "known_status > reported",
        "overdue > participants",
        "known_status + n_unknown != participants",
        "coverage_pct is distinct from round(100.0 * known_status / participants, 1)",
    ] -%}
    {%- for indicator in indicators() -%}
        {%- do conditions.append("n_" ~ indicator.code ~ " > known_status"
            if indicator.code != "unknown" else "n_unknown > participants") -%}
        {%- for denominator in indicator.denominators -%}
            {%- set share = "pct_" ~ indicator.code ~ "_of_" ~ denominator -%}
            {%- do conditions.append("not coalesce(" ~ share ~ " between 0 and 100, "
                ~ ("known_status = 0" if denominator == "known" else "false") ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- Issue 14: evidence and sources split the employed. -#}
    {%- do conditions.append("n_employed_with_evidence > n_employed") -%}
    {%- set sources = [] -%}
    {%- for source in codelist("status_source") -%}
        {%- do sources.append("n_employed_source_" ~ source) -%}
    {%- endfor -%}
    {%- do conditions.append(sources | join(" + ") ~ " != n_employed") -%}
    {%- for column in ["target_employed_pct", "target_relevant_pct"] -%}
        {%- do conditions.append(column ~ " not between 0 and 100") -%}
    {%- endfor %}
    with judged as (
        select
            *,
            concat_ws(
                '; '
                {%- for condition in conditions %},
                case when {{ condition }} then '{{ condition | replace("'", "''") }}' end
                {%- endfor %}
            ) as violated
        from {{ model }}
    )

    select *
    from judged
    where violated != ''
{% endtest %}
