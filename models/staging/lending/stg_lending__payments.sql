{{
    config(
        incremental_strategy='snapshot_diff',
        change_columns=[
            'payment_id',
            'account_id',
            'installment_no',
            'paid_on_local'
        ],
        post_hook=["{{ creditmart.record_watermark() }}", "{{ creditmart.ensure_change_log() }}", "{{ creditmart.keep_bucket_state() }}"],
    )
}}

with

-- read twice in an incremental build, not held in memory (snapshot_diff_ctes)
source as {{ creditmart.cte_not_materialized() }} (
    select
        *,
        -- bucket of the snapshot diff: the paid month
        {{ raw_bucket('paid_at', 7) }} as raw_bucket
    from {{ raw_entity('payments') }}
),

{{ snapshot_diff_ctes(key_columns=['payment_id', 'account_id', 'installment_no', 'paid_at', 'amount']) }}

cleaned as (
    select
        raw_row_key,
        raw_bucket,
        {{ clean_text('payment_id') }} as payment_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('installment_no') }} as installment_no_text,
        {{ clean_text('paid_at') }} as paid_at_text,
        {{ clean_text('amount') }} as amount_text
    from snapshot_rows
),

parsed as (
    select
        *,
        {{ parse_integer('installment_no_text') }} as installment_no,
        {{ parse_timestamp_local('paid_at_text') }} as paid_at,
        {{ parse_amount('amount_text') }} as amount,
        {{ row_fingerprint(['payment_id', 'account_id', 'installment_no_text', 'paid_at_text', 'amount_text']) }} as row_fingerprint
    from cleaned
),

final as (
    select
        raw_row_key,
        raw_bucket,
        row_fingerprint,
        payment_id,
        account_id,
        installment_no,
        paid_at as paid_at_local,
        cast(paid_at as date) as paid_on_local,
        amount,
        nullif(concat_ws(', ',
            case when payment_id is null then 'payment_id: missing' end,
            {{ raw_value_problems(['installment_no', 'paid_at', 'amount'], required=['paid_at']) }}
        ), '') as raw_problems
    from parsed
)

select *, {{ creditmart.row_built_at() }} from final
{{ snapshot_diff_markers() }}
