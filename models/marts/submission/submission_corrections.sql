{%- set fields = [
    'account_type', 'open_date', 'loan_amount', 'credit_limit', 'rpt_date_code', 'acct_status', 'balance',
    'remaining_periods', 'five_tier_class', 'rpy_status', 'overdue_periods', 'total_overdue',
    'overdue_principal', 'overdue_principal_31_60', 'overdue_principal_61_90', 'overdue_principal_91_180',
    'overdue_principal_over_180', 'current_due_amount', 'current_paid_amount', 'last_payment_amount',
    'last_payment_date', 'closed_date'
] -%}
with

furnished as (
    select * from {{ ref('stg_ledger__furnished_account_records') }}
),

current_records as (
    select * from {{ ref('submission_account_records') }}
),

compared as (
    select
        furnished.report_month,
        furnished.account_id,
        furnished.borrower_id,
        furnished.file_name,
        {%- for field in fields %}
        furnished.{{ field }} as furnished_{{ field }},
        current_records.{{ field }} as current_{{ field }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from furnished
    inner join current_records
        on furnished.account_id = current_records.account_id
        and furnished.report_month = current_records.report_month
),

changes as (
    {%- for field in fields %}
    select
        report_month,
        account_id,
        borrower_id,
        file_name,
        '{{ field }}' as field_name,
        cast(furnished_{{ field }} as {{ dbt.type_string() }}) as furnished_value,
        cast(current_{{ field }} as {{ dbt.type_string() }}) as current_value
    from compared
    where furnished_{{ field }} is distinct from current_{{ field }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        report_month,
        account_id,
        borrower_id,
        field_name,
        furnished_value,
        current_value,
        file_name as furnished_in_file
    from changes
)

select * from final
