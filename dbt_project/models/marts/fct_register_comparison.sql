-- The programme's status beside the register's, per participant x horizon at reference_date:
-- the register row of the month the follow-up was due in (newest version), for participants
-- the register extract covers (any row for their key). Only follow-ups in scope (due, or
-- reported anyway) with something to compare on at least one side.
with

followups as (

    select * from {{ ref('fct_followup_status') }}

),

register_versions as (

    select
        *,
        row_number() over (
            partition by programme_id, participant_key, reference_month
            order by {{ newest_first() }}
        ) as version_rank
    from {{ ref('stg_imdi__register_employment') }}

),

register as (

    select * from register_versions
    where version_rank = 1

),

covered as (

    select distinct
        programme_id,
        participant_key
    from register

),

compared as (

    select
        followups.programme_id,
        followups.grant_year,
        followups.cohort,
        followups.participant_key,
        followups.horizon_months,
        followups.due_date,
        followups.follow_up_state,
        followups.status as programme_status,
        followups.status_source,
        followups.evidence,
        register.employed as register_employed_code,
        register.position_pct as register_position_pct,
        {{ month_start("followups.due_date") }} as reference_month,
        case
            when followups.is_known then followups.status = 'employed'
        end as programme_employed,
        case register.employed
            when 'yes' then true
            when 'no' then false
        end as register_employed,
        case register.permanent
            when 'yes' then true
            when 'no' then false
        end as register_permanent
    from followups
    inner join covered
        on
            followups.programme_id = covered.programme_id
            and followups.participant_key = covered.participant_key
    left join register
        on
            followups.programme_id = register.programme_id
            and followups.participant_key = register.participant_key
            and register.reference_month = {{ month_start("followups.due_date") }}
    where
        (followups.is_due or followups.follow_up_state = 'reported')
        and followups.status != 'self_employed'

)

select
    programme_id,
    grant_year,
    cohort,
    participant_key,
    horizon_months,
    due_date,
    reference_month,
    follow_up_state,
    programme_status,
    status_source,
    evidence,
    programme_employed,
    register_employed,
    register_position_pct,
    register_permanent,
    case
        when programme_employed is not null and register_employed is not null
            then case
                when programme_employed = register_employed then 'agree' else 'disagree'
            end
        when programme_employed is not null then 'only_programme'
        else 'only_register'
    end as comparison
from compared
where programme_employed is not null or register_employed is not null
