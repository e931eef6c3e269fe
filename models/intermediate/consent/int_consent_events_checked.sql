with

consent_events as (
    select
        row_fingerprint,
        event_id,
        borrower_id,
        purpose,
        action,
        event_at_local,
        channel,
        policy_version,
        evidence_ref
    from {{ ref('stg_lending__consent_events') }}
),

borrowers as (
    select borrower_id from {{ ref('stg_lending__borrowers') }}
),

known_borrowers as (
    select distinct borrower_id from borrowers where borrower_id is not null
),

versions as (
    {{ deduplicate_versions('consent_events', ['event_id']) }}
),

classified as (
    select
        versions.*,
        known_borrowers.borrower_id is not null as is_known_borrower,
        coalesce(versions.purpose = 'credit_reporting', false) as is_credit_reporting,
        coalesce(versions.action in ('grant', 'withdraw'), false) as is_known_action,
        versions.event_at_local is not null as has_event_time
    from versions
    left join known_borrowers
        on versions.borrower_id = known_borrowers.borrower_id
),

final as (
    select
        row_fingerprint,
        event_id,
        borrower_id,
        purpose,
        action,
        event_at_local,
        {{ month_start('event_at_local') }} as event_month,
        channel,
        policy_version,
        evidence_ref,
        source_row_count,
        is_conflicting,
        source_row_count > 1 as fails_raw_002,
        not is_known_borrower as fails_con_001,
        is_known_borrower
            and not is_credit_reporting
            and not (is_known_action and has_event_time) as fails_con_002,
        is_known_borrower
            and is_credit_reporting
            and (not is_known_action or not has_event_time or is_conflicting or event_id is null) as fails_con_003,
        is_known_borrower
            and is_credit_reporting
            and is_known_action
            and has_event_time
            and not is_conflicting
            and event_id is not null as is_gate_event
    from classified
)

select * from final
