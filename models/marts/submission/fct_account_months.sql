with

account_months as (
    select * from {{ ref('int_account_months_scoped') }}
),

derived as (
    select * from {{ ref('int_account_months_derived') }}
),

errors as (
    select * from {{ ref('int_account_month_errors') }}
),

error_reasons as (
    select
        account_id,
        month_start,
        {{ sorted_string_agg('rule_id') }} as error_rule_ids
    from errors
    group by account_id, month_start
),

outcomes as (
    -- SPEC §3: excluded (consent) first, then rejected (error rules), else submitted
    select
        account_months.account_id,
        account_months.month_start,
        account_months.is_consented,
        case when account_months.is_consented then account_months.consent_event_id end as consent_event_id,
        case
            when not account_months.is_consented then 'excluded'
            when error_reasons.error_rule_ids is not null then 'rejected'
            else 'submitted'
        end as outcome,
        case
            when not account_months.is_consented then account_months.exclusion_reason
            else error_reasons.error_rule_ids
        end as outcome_reasons
    from account_months
    left join error_reasons
        on account_months.account_id = error_reasons.account_id
        and account_months.month_start = error_reasons.month_start
),

combined as (
    select
        derived.*,
        outcomes.outcome,
        outcomes.outcome_reasons,
        outcomes.consent_event_id,
        min(case when outcomes.outcome = 'submitted' then derived.month_start end) over (
            partition by derived.account_id
            order by derived.month_start
            rows between unbounded preceding and current row
        ) as first_submitted_month
    from derived
    inner join outcomes
        on derived.account_id = outcomes.account_id
        and derived.month_start = outcomes.month_start
),

with_history as (
    select
        *,
        {{ repayment_history('rpy_status', 'account_id', 'month_start', 24) }} as repayment_history_24m
    from combined
),

final as (
    select
        report_month,
        account_id,
        borrower_id,
        account_type,
        open_date,
        closed_date,
        month_start,
        month_end,
        balance,
        days_past_due,
        overdue_periods,
        total_overdue,
        overdue_principal,
        overdue_principal_31_60,
        overdue_principal_61_90,
        overdue_principal_91_180,
        overdue_principal_over_180,
        current_due_amount,
        current_paid_amount,
        last_payment_date,
        last_payment_amount,
        remaining_periods,
        installment_count,
        rpy_status,
        acct_status,
        five_tier_class,
        {{ rpt_date_code('closed_date', 'open_date', 'month_start', 'month_end', 'outcome', 'first_submitted_month') }} as rpt_date_code,
        repayment_history_24m,
        outcome,
        outcome_reasons,
        consent_event_id
    from with_history
)

select * from final
