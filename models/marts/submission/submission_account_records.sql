{#- Incremental builds rewrite the months of fct_account_months' window
    (a name or identity change reaches every month of the borrower's accounts
    through int_account_month_changes). -#}
{{ config(**creditmart.incremental_by_month({
    'on_schema_change': 'fail',
    'month_start_column': "cast(report_month || '-01' as date)",
})) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

account_months as (
    select account_months.*
    from {{ creditmart.month_window(
        ref('fct_account_months'), 'account_months', condition="account_months.outcome = 'submitted'"
    ) }}
),

accounts as (
    select
        account_id,
        business_kind,
        due_date,
        currency,
        loan_amount,
        credit_limit,
        repay_mode,
        repay_frequency,
        guarantee_mode
    from {{ ref('int_accounts_checked') }}
    where is_chosen_version
),

borrowers as (
    select
        borrower_id,
        full_name,
        id_type,
        id_number
    from {{ ref('int_borrowers_checked') }}
    where is_chosen_version
),

final as (
    select
        account_months.report_month,
        account_months.account_id,
        account_months.borrower_id,
        '210' as inf_rec_type,
        account_months.account_type,
        case account_months.rpt_date_code
            when '10' then account_months.open_date
            when '20' then account_months.closed_date
            else account_months.month_end
        end as rpt_date,
        account_months.rpt_date_code,
        borrowers.full_name,
        borrowers.id_type,
        borrowers.id_number,
        '{{ var("org_code") }}' as mngmt_org_code,
        '1' as busi_lines,
        accounts.business_kind,
        account_months.open_date,
        accounts.currency,
        accounts.credit_limit,
        accounts.loan_amount,
        accounts.due_date,
        accounts.repay_mode,
        accounts.repay_frequency,
        account_months.installment_count as repay_periods,
        accounts.guarantee_mode,
        account_months.acct_status,
        account_months.balance,
        account_months.remaining_periods,
        account_months.five_tier_class,
        account_months.rpy_status,
        account_months.overdue_periods,
        account_months.total_overdue,
        account_months.overdue_principal,
        account_months.overdue_principal_31_60,
        account_months.overdue_principal_61_90,
        account_months.overdue_principal_91_180,
        account_months.overdue_principal_over_180,
        account_months.current_due_amount,
        account_months.current_paid_amount,
        account_months.last_payment_amount,
        account_months.last_payment_date,
        case when account_months.acct_status = '3' then account_months.closed_date end as closed_date,
        account_months.days_past_due,
        account_months.consent_event_id
    from account_months
    inner join accounts
        on account_months.account_id = accounts.account_id
    inner join borrowers
        on account_months.borrower_id = borrowers.borrower_id
)

select * from final
