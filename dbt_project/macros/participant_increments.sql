{#-
    Incremental upkeep keyed on participants (programme_id x participant_key), for the models
    whose rows of a participant depend only on that participant's follow-up versions, the
    register of their programme and the run's settings: int_followup_versions,
    dim_participants and fct_followup_status.

    The raw tables are append-only, so a participant's inputs change only when an upload the
    model has not yet built from brings a version of them, or a register version of their
    programme. A run recomputes exactly those participants - and, for fct_followup_status,
    the ones with a due date between the reference date of its last build and this one (due
    and overdue are judged on it) - and keeps every other row. Anything else the rows are
    computed from (as_of, the full-time threshold, the SQL of the project) is in the model's
    settings fingerprint; when it differs, or on a first build or `--full-refresh`, the model
    is computed whole. The result equals a full build either way
    (tests/integration/test_incremental_marts.py).

    The state lives in schema dbt_state of the warehouse:
      built_settings (model, settings, reference_date, mode, invocation_id)
                                                        what the model's rows were computed with
      built_uploads (model, upload_id)                  the uploads they were computed from
      changed__<model> (programme_id, participant_key)  the participants this run recomputes
      builds (invocation_id, started_at, all_tests_passed)
                                                        every dbt invocation, and whether it was
                                                        a whole `dbt build` that passed every test

    Tests follow the same rule (get_where_subquery below): in a `dbt build` that recomputed a
    model's changed participants only, its tests look at those participants' rows - the kept
    rows passed every test of the build before, or this build tests everything. On Spark (built
    from scratch each time, docs/SCALING.md) these models are full builds and the hooks do
    nothing.
-#}

{#- Whether the engine keeps the state and deletes rows (DuckDB); plain Parquet tables on Spark
    cannot delete. -#}
{% macro keeps_participant_increments() -%}
    {{ return(adapter.dispatch("keeps_participant_increments", "imdi_outcomes")()) }}
{%- endmacro %}

{% macro default__keeps_participant_increments() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__keeps_participant_increments() -%}
    {{ return(false) }}
{%- endmacro %}


{#- The macros a model renders, rendered: its share of the settings fingerprint, so that an edit
    of a macro counts as much as an edit of the model. -#}
{% macro participant_logic() -%}
    {%- if this.identifier == "int_followup_versions" -%}
        {{ return(version_validity(["programme_id", "participant_key", "horizon_months"])) }}
    {%- elif this.identifier == "dim_participants" -%}
        {{ return(participants_at("snapshots", "changed_versions")) }}
    {%- elif this.identifier == "fct_followup_status" -%}
        {{ return(followup_status_at("snapshots", "changed_versions")) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "participant_increments: no logic known for model " ~ this.identifier
    ) }}
{%- endmacro %}


{#- What a model's rows are computed from besides the data: as_of, the full-time threshold and
    the SQL (every model's code as written, and the macros it renders). -#}
{% macro participant_settings() -%}
    {{- return(
        "as_of=" ~ var("as_of") ~ ";full_time_threshold=" ~ (var("full_time_threshold") | float)
        ~ ";code=" ~ local_md5(([participant_logic()] + models_code()) | join("\n"))
    ) -}}
{%- endmacro %}


{#- "changed" when this run may recompute only the changed participants: the model exists as a
    table, was last built with the same settings and the engine keeps state; else "full". -#}
{% macro participant_build_mode() -%}
    {%- if not execute or not is_incremental() or not keeps_participant_increments() -%}
        {{ return("full") }}
    {%- endif -%}
    {%- set built = run_query(
        "select (select count(*) from information_schema.tables"
        ~ " where table_schema = 'dbt_state' and table_name = 'built_settings')"
    ) -%}
    {%- if built.rows[0][0] == 0 -%}
        {{ return("full") }}
    {%- endif -%}
    {%- set settings = run_query(
        "select settings from dbt_state.built_settings where model = '"
        ~ this.identifier ~ "'"
    ) -%}
    {%- if settings.rows | length == 1 and settings.rows[0][0] == participant_settings() -%}
        {{ return("changed") }}
    {%- endif -%}
    {{ return("full") }}
{%- endmacro %}


{#- The model's filter to the participants this run recomputes (none in a full build). -#}
{% macro only_changed_participants(alias) -%}
    {%- if participant_build_mode() == "changed" %}
    where exists (
        select 1
        from dbt_state.changed__{{ this.identifier }} as changed
        where
            changed.programme_id = {{ alias }}.programme_id
            and changed.participant_key = {{ alias }}.participant_key
    )
    {%- endif %}
{%- endmacro %}


{#- pre-hook: in a "changed" run, record the participants to recompute and delete their rows;
    in a full run over an existing table, delete every row. `versions` is the relation of the
    follow-up versions the model reads (with upload_id), `register` whether register versions
    count, `due_dates` whether rows whose due date the reference date passed count. -#}
{% macro participant_increment_pre_hook(versions, register=false, due_dates=false) %}
    {%- set mode = participant_build_mode() -%}
    {%- if mode == "changed" %}
    create or replace table dbt_state.changed__{{ this.identifier }} as
    with

    built_uploads as (
        select upload_id
        from dbt_state.built_uploads
        where model = '{{ this.identifier }}'
    ),

    touched as (
        select
            versions.programme_id,
            versions.participant_key
        from {{ versions }} as versions
        where versions.upload_id not in (select built_uploads.upload_id from built_uploads)
        {%- if register %}
        union all
        select
            versions.programme_id,
            versions.participant_key
        from {{ versions }} as versions
        where versions.programme_id in (
            select register.programme_id
            from {{ ref("int_programme_register_versions") }} as register
            where register.upload_id not in (select built_uploads.upload_id from built_uploads)
        )
        {%- endif %}
        {%- if due_dates %}
        union all
        select
            built_rows.programme_id,
            built_rows.participant_key
        from {{ this }} as built_rows
        cross join (
            select reference_date
            from dbt_state.built_settings
            where model = '{{ this.identifier }}'
        ) as built
        where
            built_rows.due_date > least(built.reference_date, {{ reference_date() }})
            and built_rows.due_date <= greatest(built.reference_date, {{ reference_date() }})
        {%- endif %}
    )

    select distinct
        programme_id,
        participant_key
    from touched;

    delete from {{ this }} as built_rows
    where exists (
        select 1
        from dbt_state.changed__{{ this.identifier }} as changed
        where
            changed.programme_id = built_rows.programme_id
            and changed.participant_key = built_rows.participant_key
    )
    {%- elif is_incremental() and keeps_participant_increments() %}
    delete from {{ this }}
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- post-hook: what the rows now stand on - the settings, the reference date and every upload
    of `versions` (and of the register, if it counts). -#}
{% macro participant_increment_post_hook(versions, register=false) %}
    {%- if keeps_participant_increments() %}
    create schema if not exists dbt_state;
    create table if not exists dbt_state.built_settings (
        model varchar, settings varchar, reference_date date, mode varchar, invocation_id varchar
    );
    create table if not exists dbt_state.built_uploads (model varchar, upload_id varchar);
    delete from dbt_state.built_settings where model = '{{ this.identifier }}';
    insert into dbt_state.built_settings
    select
        '{{ this.identifier }}',
        '{{ participant_settings() | replace("'", "''") }}',
        {{ reference_date() }},
        '{{ participant_build_mode() }}',
        '{{ invocation_id }}';
    delete from dbt_state.built_uploads where model = '{{ this.identifier }}';
    insert into dbt_state.built_uploads
    select distinct
        '{{ this.identifier }}',
        uploads.upload_id
    from (
        select versions.upload_id from {{ versions }} as versions
        {%- if register %}
        union all
        select register.upload_id from {{ ref("int_programme_register_versions") }} as register
        {%- endif %}
    ) as uploads
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- on-run-start: this invocation, not yet known to have passed its tests. -#}
{% macro record_build_start() -%}
    {%- if execute and keeps_participant_increments() -%}
        {%- do run_query(
            "create schema if not exists dbt_state;"
            ~ " create table if not exists dbt_state.builds ("
            ~ "invocation_id varchar, started_at timestamp, all_tests_passed boolean);"
            ~ " insert into dbt_state.builds values ('" ~ invocation_id ~ "', now(), null)"
        ) -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: whether this was a whole `dbt build` (no --select) in which every test passed.
    A crash before this leaves null: not passed. -#}
{% macro record_build_end(results) -%}
    {%- if execute and keeps_participant_increments() -%}
        {%- set unsettled = results
            | selectattr("status", "in", ["fail", "error", "warn", "skipped", "runtime error"])
            | list -%}
        {%- set passed = flags.WHICH == "build" and not invocation_args_dict.get("select")
            and unsettled | length == 0 -%}
        {%- do run_query(
            "update dbt_state.builds set all_tests_passed = " ~ passed
            ~ " where invocation_id = '" ~ invocation_id ~ "'"
        ) -%}
    {%- endif -%}
{%- endmacro %}


{#- Whether a test of `relation` in this invocation may look at the recomputed participants
    only: a `dbt build`, the model recomputed in "changed" mode in this invocation, and the
    build before it passed every test. -#}
{% macro tests_recomputed_rows_only(relation) -%}
    {%- if not execute or flags.WHICH != "build" or not keeps_participant_increments() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set tables = run_query(
        "select count(*) from information_schema.tables where table_schema = 'dbt_state'"
        ~ " and table_name in ('built_settings', 'builds')"
    ) -%}
    {%- if tables.rows[0][0] != 2 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*) from dbt_state.built_settings"
        ~ " where model = '" ~ relation.identifier ~ "' and mode = 'changed'"
        ~ " and invocation_id = '" ~ invocation_id ~ "'"
        ~ " and coalesce((select all_tests_passed from dbt_state.builds"
        ~ " where invocation_id != '" ~ invocation_id ~ "'"
        ~ " order by started_at desc limit 1), false)"
    ) -%}
    {{ return(found.rows[0][0] == 1) }}
{%- endmacro %}


{#- dbt's own macro (global project), which every generic test calls on the model it tests:
    the `where` config as in dbt, and in a build that recomputed the model's changed
    participants only, just their rows. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get("where", "") -%}
    {%- set scoped = tests_recomputed_rows_only(relation) -%}
    {%- if where or scoped -%}
        {%- set filtered -%}
            (
                select tested.*
                from {{ relation }} as tested
                where
                    {{ where or "true" }}
                    {%- if scoped %}
                    and exists (
                        select 1
                        from dbt_state.changed__{{ relation.identifier }} as changed
                        where
                            changed.programme_id = tested.programme_id
                            and changed.participant_key = tested.participant_key
                    )
                    {%- endif %}
            ) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
