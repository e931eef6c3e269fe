{{
    config(
        incremental_strategy='snapshot_diff',
        change_columns=[
            'notice_id',
            'account_id',
            'notified_at_local'
        ],
        post_hook=["{{ creditmart.record_watermark() }}", "{{ creditmart.ensure_change_log() }}"],
    )
}}

with

-- read twice in an incremental build, not held in memory (snapshot_diff_ctes)
source as {{ creditmart.cte_not_materialized() }} (
    select
        *,
        {{ raw_row_key(['notice_id', 'account_id', 'notified_at', 'channel']) }} as raw_row_key
    from {{ raw_entity('negative_notices') }}
),

{{ snapshot_diff_ctes() }}

cleaned as (
    select
        raw_row_key,
        {{ clean_text('notice_id') }} as notice_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('notified_at') }} as notified_at_text,
        {{ clean_text('channel') }} as channel
    from snapshot_rows
),

parsed as (
    select
        *,
        {{ parse_timestamp_local('notified_at_text') }} as notified_at,
        {{ row_fingerprint(['notice_id', 'account_id', 'notified_at_text', 'channel']) }} as row_fingerprint
    from cleaned
),

final as (
    select
        raw_row_key,
        row_fingerprint,
        notice_id,
        account_id,
        notified_at as notified_at_local,
        channel,
        nullif(concat_ws(', ',
            case when notice_id is null then 'notice_id: missing' end,
            {{ raw_value_problems(['notified_at'], required=['notified_at']) }}
        ), '') as raw_problems
    from parsed
)

select * from final
{{ snapshot_diff_markers() }}
