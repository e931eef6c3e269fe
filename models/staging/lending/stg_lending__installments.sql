{{
    config(
        incremental_strategy='snapshot_diff',
        change_columns=[
            'account_id',
            'installment_no',
            'scheduled_on',
            'due_date'
        ],
        post_hook=["{{ creditmart.record_watermark() }}", "{{ creditmart.ensure_change_log() }}", "{{ creditmart.keep_bucket_state() }}"],
    )
}}

with

-- read twice in an incremental build, not held in memory (snapshot_diff_ctes)
source as {{ creditmart.cte_not_materialized() }} (
    select
        *,
        -- bucket of the snapshot diff: the month an installment was
        -- scheduled in (a month's statements land in a bucket of their own);
        -- without scheduled_on (D1 schedules), its due month and number (a
        -- new loan's schedule lands in buckets of its own): a month's new
        -- rows then change no stored bucket (BENCHMARKS.md, item 62)
        coalesce(substr(scheduled_on, 1, 7), {{ raw_bucket('due_date', 7, ['installment_no']) }}) as raw_bucket
    from {{ raw_entity('installments') }}
),

{{ snapshot_diff_ctes(key_columns=['account_id', 'installment_no', 'scheduled_on', 'due_date', 'principal_due', 'interest_due']) }}

cleaned as (
    select
        raw_row_key,
        raw_bucket,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('installment_no') }} as installment_no_text,
        {{ clean_text('scheduled_on') }} as scheduled_on_text,
        {{ clean_text('due_date') }} as due_date_text,
        {{ clean_text('principal_due') }} as principal_due_text,
        {{ clean_text('interest_due') }} as interest_due_text
    from snapshot_rows
),

parsed as (
    select
        *,
        {{ parse_integer('installment_no_text') }} as installment_no,
        {{ parse_date('scheduled_on_text') }} as scheduled_on,
        {{ parse_date('due_date_text') }} as due_date,
        {{ parse_amount('principal_due_text') }} as principal_due,
        {{ parse_amount('interest_due_text') }} as interest_due,
        {{ row_fingerprint(['account_id', 'installment_no_text', 'scheduled_on_text', 'due_date_text', 'principal_due_text', 'interest_due_text']) }} as row_fingerprint
    from cleaned
),

final as (
    select
        raw_row_key,
        raw_bucket,
        row_fingerprint,
        account_id,
        installment_no,
        scheduled_on,
        due_date,
        principal_due,
        interest_due,
        nullif(concat_ws(', ',
            case when account_id is null then 'account_id: missing' end,
            case when installment_no_text is null then 'installment_no: missing' end,
            {{ raw_value_problems(['installment_no', 'scheduled_on', 'due_date', 'principal_due', 'interest_due'], required=['due_date', 'principal_due', 'interest_due']) }}
        ), '') as raw_problems
    from parsed
)

select *, {{ creditmart.row_built_at() }} from final
{{ snapshot_diff_markers() }}
