with

consent_events as (
    select
        borrower_id,
        event_id,
        action,
        event_at_local,
        channel,
        policy_version
    from {{ ref('int_consent_events_checked') }}
    where is_gate_event
),

ordered as (
    -- SPEC §4/§7: by event time; at the same instant a withdrawal comes after
    -- a grant; events of the same action by event_id.
    select
        *,
        {{ month_start('event_at_local') }} as event_month,
        row_number() over (
            partition by borrower_id
            order by event_at_local, case when action = 'grant' then 0 else 1 end, event_id
        ) as event_sequence
    from consent_events
),

sequenced as (
    select
        *,
        lead(event_month) over (partition by borrower_id order by event_sequence) as next_event_month,
        max(case when action = 'grant' then 1 else 0 end) over (
            partition by borrower_id
            order by event_sequence
            rows between unbounded preceding and current row
        ) = 1 as has_prior_grant
    from ordered
),

final as (
    -- The event that is last before the cutoff of every month from its own
    -- month up to (excluding) the month of the next event.
    select
        borrower_id,
        event_month as valid_from_month,
        next_event_month as valid_to_month,
        action = 'grant' as is_consented,
        case when action = 'grant' then event_id end as consent_event_id,
        case when action = 'grant' then channel end as consent_channel,
        case when action = 'grant' then policy_version end as consent_policy_version,
        case
            when action = 'grant' then null
            when has_prior_grant then 'CONSENT_WITHDRAWN'
            else 'NO_CONSENT'
        end as exclusion_reason
    from sequenced
    where next_event_month is null or next_event_month > event_month
)

select * from final
