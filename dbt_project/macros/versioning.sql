{#-
    Version ordering and validity. Every report of the same key is a version; the newest by
    reported_at wins, ties broken by upload_id then source_row (both descending), so the order
    is total and a rerun always picks the same row.
-#}

{% macro newest_first() -%}
    reported_at desc, upload_id desc, source_row desc
{%- endmacro %}


{% macro oldest_first() -%}
    reported_at asc, upload_id asc, source_row asc
{%- endmacro %}


{#- version_number (1 = first), valid_from and valid_to (next version's reported_at, null while
    current) for rows of one key. Tied versions get valid_to = valid_from: an empty interval. -#}
{% macro version_validity(key_columns) -%}
    cast(row_number() over (
        partition by {{ key_columns | join(", ") }}
        order by {{ oldest_first() }}
    ) as integer) as version_number,
    reported_at as valid_from,
    lead(reported_at) over (
        partition by {{ key_columns | join(", ") }}
        order by {{ oldest_first() }}
    ) as valid_to
{%- endmacro %}


{#- The version of each key that was current at each snapshot: a range join of the snapshots
    (snapshot_date, visible_before) on [valid_from, valid_to). `versions` is a relation with
    valid_from/valid_to, `snapshots` the name of a relation or CTE. -#}
{% macro versions_current_at(versions, snapshots) %}
    select
        snapshots.snapshot_date,
        versions.*
    from {{ snapshots }} as snapshots
    inner join {{ versions }} as versions
        on
            versions.valid_from < snapshots.visible_before
            and coalesce(versions.valid_to, {{ timestamp_infinity() }})
            >= snapshots.visible_before
{% endmacro %}
