with

source as (
    select * from {{ source('ledger', 'furnished_account_records') }}
),

final as (
    select
        report_month,
        account_id,
        borrower_id,
        account_type,
        open_date,
        loan_amount,
        credit_limit,
        rpt_date_code,
        acct_status,
        balance,
        remaining_periods,
        five_tier_class,
        rpy_status,
        overdue_periods,
        total_overdue,
        overdue_principal,
        overdue_principal_31_60,
        overdue_principal_61_90,
        overdue_principal_91_180,
        overdue_principal_over_180,
        current_due_amount,
        current_paid_amount,
        last_payment_amount,
        last_payment_date,
        closed_date,
        consent_event_id,
        record_sha256,
        file_name,
        generated_at,
        cast({{ dbt.date_trunc('month', "cast(report_month || '-01' as date)") }} as date) as month_start
    from source
)

select * from final
