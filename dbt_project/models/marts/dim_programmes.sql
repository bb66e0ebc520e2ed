-- Programme x grant year from the register (newest version of each row), plus the grant years
-- of programmes that appear in follow-ups but not in the register (in_register = false).
with

register as (

    select * from {{ ref('int_programme_register_versions') }}
    where is_current

),

registered_programmes as (

    select distinct programme_id from register

),

participant_grant_years as (

    select distinct
        programme_id,
        grant_year
    from {{ ref('dim_participants') }}

),

unregistered as (

    select
        participant_grant_years.programme_id,
        participant_grant_years.grant_year
    from participant_grant_years
    left join registered_programmes
        on participant_grant_years.programme_id = registered_programmes.programme_id
    where registered_programmes.programme_id is null

)

select
    programme_id,
    grant_year,
    name,
    organisation,
    programme_type,
    grant_nok,
    target_group,
    goal_statement,
    planned_participants,
    duration_months,
    target_employed_pct_0,
    target_employed_pct_6,
    target_employed_pct_12,
    target_relevant_pct_12,
    true as in_register,
    reported_at as register_reported_at,
    upload_id as register_upload_id
from register

union all

select
    programme_id,
    grant_year,
    -- `name` is the register's column name, kept for the report code.
    cast(null as string) as name,  -- noqa: RF04
    cast(null as string) as organisation,
    cast(null as string) as programme_type,
    cast(null as decimal(18, 4)) as grant_nok,
    cast(null as string) as target_group,
    cast(null as string) as goal_statement,
    cast(null as integer) as planned_participants,
    cast(null as integer) as duration_months,
    cast(null as double) as target_employed_pct_0,
    cast(null as double) as target_employed_pct_6,
    cast(null as double) as target_employed_pct_12,
    cast(null as double) as target_relevant_pct_12,
    false as in_register,
    cast(null as timestamp) as register_reported_at,
    cast(null as string) as register_upload_id
from unregistered
