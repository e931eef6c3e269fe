{{
    config(
        incremental_strategy='snapshot_diff',
        change_columns=[
            'event_id',
            'borrower_id',
            'event_at_local'
        ],
        post_hook=["{{ creditmart.record_watermark() }}", "{{ creditmart.ensure_change_log() }}"],
    )
}}

with

-- read twice in an incremental build, not held in memory (snapshot_diff_ctes)
source as {{ creditmart.cte_not_materialized() }} (
    select
        *,
        {{ raw_row_key(['event_id', 'borrower_id', 'purpose', 'action', 'event_at', 'channel', 'policy_version', 'evidence_ref']) }} as raw_row_key
    from {{ raw_entity('consent_events') }}
),

{{ snapshot_diff_ctes() }}

cleaned as (
    select
        raw_row_key,
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('borrower_id') }} as borrower_id,
        {{ clean_text('purpose') }} as purpose,
        {{ clean_text('action') }} as action,
        {{ clean_text('event_at') }} as event_at_text,
        {{ clean_text('channel') }} as channel,
        {{ clean_text('policy_version') }} as policy_version,
        {{ clean_text('evidence_ref') }} as evidence_ref
    from snapshot_rows
),

parsed as (
    select
        *,
        {{ parse_timestamp_local('event_at_text') }} as event_at_local,
        {{ row_fingerprint(['event_id', 'borrower_id', 'purpose', 'action', 'event_at_text', 'channel', 'policy_version', 'evidence_ref']) }} as row_fingerprint
    from cleaned
),

final as (
    select
        raw_row_key,
        row_fingerprint,
        event_id,
        borrower_id,
        purpose,
        action,
        event_at_local,
        channel,
        policy_version,
        evidence_ref
    from parsed
)

select * from final
{{ snapshot_diff_markers() }}
