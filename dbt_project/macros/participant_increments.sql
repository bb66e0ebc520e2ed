{#-
    Incremental upkeep keyed on participants (programme_id x participant_key) or, for the
    aggregates, on programmes: int_followup_versions, dim_participants, fct_followup_status and
    fct_overdue_followups by participant; fct_attainment and fct_status_transitions by
    programme (increment_spec below). A participant's rows depend only on their own follow-up
    versions, the register of their programme and the run's settings; a programme's groups
    only on its participants' rows and its register.

    The raw tables are append-only, so those inputs change only when an upload the model has
    not yet built from brings a version of the participant (programme), or a register version
    of their programme. A run recomputes exactly those keys - and, for fct_followup_status, the
    participants with a due date between the reference date of its last build and this one
    (due and overdue are judged on it) - and keeps every other row. Anything else the rows are
    computed from (as_of, the full-time threshold, the SQL of the project, for some models the
    reference date) is in the model's settings fingerprint; when it differs, or on a first
    build or `--full-refresh`, the model is computed whole. The result equals a full build
    either way (tests/integration/test_incremental_marts.py).

    The state lives in schema dbt_state of the warehouse:
      built_settings (model, settings, reference_date, mode, invocation_id,
                      previous_invocation_id)           what the model's rows were computed with,
                                                        by which dbt invocation, after which one
      built_uploads (model, upload_id)                  the uploads they were computed from
      changed__<model> (programme_id[, participant_key])  the keys this run recomputes
      invocations (invocation_id, started_at)           every dbt invocation (on-run-start)
      tested (model, invocation_id, passed)             per invocation that built or tested a
                                                        model: whether it was built and every
                                                        test on it ran and passed (on-run-end)

    Tests follow the same rule (get_where_subquery below): when a `dbt build` recomputed a
    model's changed participants only, its tests look at those participants' rows - if the
    kept rows passed every test on the model in the invocation that built them, and no test on
    the model failed since. Otherwise (a failed test, a crash before the end of a run, `dbt
    run` without tests) every row is tested, until a build passes. On Spark (built from scratch
    each time, docs/SCALING.md) these models are full builds and the hooks do nothing.
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


{#- How each incremental model is kept: `key` (recompute whole participants, or whole
    programmes for the aggregates), `versions` (the follow-up versions it reads), `register`
    (whether the programme register feeds it), `due_dates` (rows whose due date the reference
    date passed are recomputed; due and overdue are judged on it) and `reference_date` (the
    reference date is one of its settings: another one recomputes it whole - for the
    aggregates, whose groups turn final or overdue as it moves). -#}
{% macro increment_spec(model_name) -%}
    {%- set specs = {
        "int_followup_versions": {
            "key": "participant", "versions": "stg_imdi__followups", "register": false,
            "due_dates": false, "reference_date": false,
        },
        "dim_participants": {
            "key": "participant", "versions": "int_followup_versions", "register": true,
            "due_dates": false, "reference_date": false,
        },
        "fct_followup_status": {
            "key": "participant", "versions": "int_followup_versions", "register": true,
            "due_dates": true, "reference_date": false,
        },
        "fct_overdue_followups": {
            "key": "participant", "versions": "int_followup_versions", "register": true,
            "due_dates": false, "reference_date": true,
        },
        "fct_attainment": {
            "key": "programme", "versions": "int_followup_versions", "register": true,
            "due_dates": false, "reference_date": true,
        },
        "fct_status_transitions": {
            "key": "programme", "versions": "int_followup_versions", "register": false,
            "due_dates": false, "reference_date": true,
        },
    } -%}
    {{ return(specs.get(model_name)) }}
{%- endmacro %}


{#- The key columns a model is recomputed by. -#}
{% macro increment_key_columns(model_name) -%}
    {%- if increment_spec(model_name)["key"] == "participant" -%}
        {{ return(["programme_id", "participant_key"]) }}
    {%- endif -%}
    {{ return(["programme_id"]) }}
{%- endmacro %}


{#- The macros a model renders, rendered: its share of the settings fingerprint, so that an edit
    of a macro counts as much as an edit of the model. -#}
{% macro increment_logic() -%}
    {%- if this.identifier == "int_followup_versions" -%}
        {{ return(version_validity(["programme_id", "participant_key", "horizon_months"])) }}
    {%- elif this.identifier == "dim_participants" -%}
        {{ return(participants_at("snapshots", "changed_versions")) }}
    {%- elif this.identifier == "fct_followup_status" -%}
        {{ return(followup_status_at("snapshots", "changed_versions")) }}
    {%- elif this.identifier == "fct_attainment" -%}
        {{ return(attainment_from("followup_status", "snapshots")) }}
    {%- endif -%}
    {{ return("") }}
{%- endmacro %}


{#- What a model's rows are computed from besides the data: as_of, the full-time threshold,
    the reference date if the spec says so, and the SQL (every model's code as written, and
    the macros it renders). -#}
{% macro increment_settings() -%}
    {%- set spec = increment_spec(this.identifier) -%}
    {%- if spec is none -%}
        {{ exceptions.raise_compiler_error(
            "participant_increments: no increment_spec for model " ~ this.identifier
        ) }}
    {%- endif -%}
    {%- set parts = [
        "as_of=" ~ var("as_of"),
        "full_time_threshold=" ~ (var("full_time_threshold") | float),
        "code=" ~ local_md5(([increment_logic()] + models_code()) | join("\n")),
    ] -%}
    {%- if spec["reference_date"] -%}
        {#- Its value: unset means today (reference_date() renders current_date then). -#}
        {%- set value = var("reference_date", none) -%}
        {%- if value is none or (value | string | trim) == "" -%}
            {%- set value = modules.datetime.date.today().isoformat() -%}
        {%- endif -%}
        {%- do parts.append("reference_date=" ~ value) -%}
    {%- endif -%}
    {{- return(parts | join(";")) -}}
{%- endmacro %}


{#- "changed" when this run may recompute only what changed: the model exists as a table, was
    last built with the same settings and the engine keeps state; else "full". -#}
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
    {%- if settings.rows | length == 1 and settings.rows[0][0] == increment_settings() -%}
        {{ return("changed") }}
    {%- endif -%}
    {{ return("full") }}
{%- endmacro %}


{#- `alias`'s rows of the keys in dbt_state.changed__<model_name>. -#}
{% macro in_changed_keys(alias, model_name) -%}
    exists (
        select 1
        from dbt_state.changed__{{ model_name }} as changed
        where
            {% for column in increment_key_columns(model_name) -%}
            {{ "and " if not loop.first }}changed.{{ column }} = {{ alias }}.{{ column }}
            {% endfor %}
    )
{%- endmacro %}


{#- The model's filter to the participants (or programmes) this run recomputes (none in a full
    build). -#}
{% macro only_changed_rows(alias) -%}
    {%- if participant_build_mode() == "changed" %}
    where {{ in_changed_keys(alias, this.identifier) }}
    {%- endif %}
{%- endmacro %}


{#- pre-hook: in a "changed" run, record the keys to recompute and delete their rows; in a full
    run over an existing table, delete every row. A key is touched by an upload the model has
    not built from yet (stg_imdi__uploads: every upload, small) that brings versions of it or,
    if the register counts, register versions of its programme; and, if due dates count, when
    one of its rows' due dates lies between the last reference date and this one. -#}
{% macro increment_pre_hook() %}
    {%- set spec = increment_spec(this.identifier) -%}
    {#- Rendered in every mode, so that dbt sees these relations as the model's parents. -#}
    {%- set uploads = ref("stg_imdi__uploads") -%}
    {%- set versions = ref(spec["versions"]) -%}
    {%- set register = ref("int_programme_register_versions") -%}
    {%- set key = increment_key_columns(this.identifier) | join(", ") -%}
    {%- set mode = participant_build_mode() -%}
    {%- if mode == "changed" %}
    create or replace table dbt_state.changed__{{ this.identifier }} as
    with

    new_uploads as (
        select uploads.upload_id
        from {{ uploads }} as uploads
        where uploads.upload_id not in (
            select built.upload_id
            from dbt_state.built_uploads as built
            where built.model = '{{ this.identifier }}'
        )
    ),

    touched as (
        select {{ key }}
        from {{ versions }}
        where upload_id in (select new_uploads.upload_id from new_uploads)
        {%- if spec["register"] %}
        union all
        select {{ key }}
        from {{ versions }}
        where programme_id in (
            select register.programme_id
            from {{ register }} as register
            where register.upload_id in (select new_uploads.upload_id from new_uploads)
        )
        {%- endif %}
        {%- if spec["due_dates"] %}
        union all
        select {{ key }}
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

    select distinct {{ key }}
    from touched;

    delete from {{ this }} as built_rows
    where {{ in_changed_keys("built_rows", this.identifier) }}
    {%- elif is_incremental() and keeps_participant_increments() %}
    delete from {{ this }}
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- post-hook: what the rows now stand on - the settings, the reference date and every upload
    so far. -#}
{% macro increment_post_hook() %}
    {%- if keeps_participant_increments() %}
    create schema if not exists dbt_state;
    create table if not exists dbt_state.built_settings (
        model varchar,
        settings varchar,
        reference_date date,
        mode varchar,
        invocation_id varchar,
        previous_invocation_id varchar
    );
    create table if not exists dbt_state.built_uploads (model varchar, upload_id varchar);
    insert into dbt_state.built_settings
    select
        '{{ this.identifier }}',
        '{{ increment_settings() | replace("'", "''") }}',
        {{ reference_date() }},
        '{{ participant_build_mode() }}',
        '{{ invocation_id }}',
        (
            select max(built.invocation_id)
            from dbt_state.built_settings as built
            where built.model = '{{ this.identifier }}'
        );
    delete from dbt_state.built_settings
    where model = '{{ this.identifier }}' and invocation_id != '{{ invocation_id }}';
    delete from dbt_state.built_uploads where model = '{{ this.identifier }}';
    insert into dbt_state.built_uploads
    select
        '{{ this.identifier }}',
        uploads.upload_id
    from {{ ref("stg_imdi__uploads") }} as uploads
    {%- else %}
    select 1
    {%- endif %}
{% endmacro %}


{#- on-run-start: this invocation. -#}
{% macro record_build_start() -%}
    {%- if execute and keeps_participant_increments() -%}
        {%- do run_query(
            "create schema if not exists dbt_state;"
            ~ " create table if not exists dbt_state.invocations ("
            ~ "invocation_id varchar, started_at timestamp);"
            ~ " create table if not exists dbt_state.tested ("
            ~ "model varchar, invocation_id varchar, passed boolean);"
            ~ " insert into dbt_state.invocations values ('" ~ invocation_id ~ "', now())"
        ) -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: per model built or tested in this invocation, whether it was built (if it
    ran) and every test on it ran and passed. A model built without its tests (`dbt run`) has
    not passed. -#}
{% macro record_build_end(results) -%}
    {%- if execute and keeps_participant_increments() -%}
        {%- set verdicts = {} -%}
        {%- for result in results -%}
            {%- set node = result.node -%}
            {%- if node.resource_type == "model" -%}
                {%- do verdicts.setdefault(node.unique_id, {"built": false, "tests": []}) -%}
                {%- do verdicts[node.unique_id].update({"built": result.status == "success"}) -%}
            {%- elif node.resource_type == "test" -%}
                {#- A generic test is on its model; a singular one on every model it reads. -#}
                {%- set models = [node.attached_node] if node.attached_node
                    else node.depends_on.nodes -%}
                {%- for model in models -%}
                    {%- do verdicts.setdefault(model, {"built": true, "tests": []}) -%}
                    {%- do verdicts[model]["tests"].append(result.status == "pass") -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set rows = [] -%}
        {%- for unique_id, verdict in verdicts.items() -%}
            {%- set passed = verdict["built"] and verdict["tests"] | length > 0
                and verdict["tests"] | select("false") | list | length == 0 -%}
            {%- do rows.append(
                "('" ~ unique_id.split(".")[-1] ~ "', '" ~ invocation_id ~ "', " ~ passed ~ ")"
            ) -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- do run_query("insert into dbt_state.tested values " ~ rows | join(", ")) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- Whether a test of `relation` in this invocation may look at the recomputed participants
    only: the model was recomputed in "changed" mode in this invocation, every test on it
    passed in the invocation that built it before, and none failed since. -#}
{% macro tests_recomputed_rows_only(relation) -%}
    {%- if not execute or not keeps_participant_increments()
        or increment_spec(relation.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set tables = run_query(
        "select count(*) from information_schema.tables where table_schema = 'dbt_state'"
        ~ " and table_name in ('built_settings', 'invocations', 'tested')"
    ) -%}
    {%- if tables.rows[0][0] != 3 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        "with built as (select * from dbt_state.built_settings"
        ~ " where model = '" ~ relation.identifier ~ "' and mode = 'changed'"
        ~ " and invocation_id = '" ~ invocation_id ~ "'),"
        ~ " since as (select tested.passed, tested.invocation_id = built.previous_invocation_id"
        ~ " as is_previous_build from built"
        ~ " join dbt_state.invocations as previous"
        ~ " on previous.invocation_id = built.previous_invocation_id"
        ~ " join dbt_state.invocations as later on later.started_at >= previous.started_at"
        ~ " and later.invocation_id != '" ~ invocation_id ~ "'"
        ~ " join dbt_state.tested on tested.invocation_id = later.invocation_id"
        ~ " and tested.model = built.model)"
        ~ " select coalesce(bool_or(passed and is_previous_build) and bool_and(passed), false)"
        ~ " from since"
    ) -%}
    {{ return(found.rows[0][0]) }}
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
                    and {{ in_changed_keys("tested", relation.identifier) }}
                    {%- endif %}
            ) as dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
