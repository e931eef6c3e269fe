with

furnished as (
    select * from {{ ref('stg_ledger__furnished_account_records') }}
),

requested as (
    select * from {{ ref('stg_ledger__furnished_deletions') }}
),

account_months as (
    select
        report_month,
        account_id,
        outcome,
        outcome_reasons
    from {{ ref('fct_account_months') }}
),

final as (
    -- furnished account-months that, as now known, should not have been:
    -- no valid consent at that month's cutoff, rejected, or no longer in scope
    select
        furnished.report_month,
        furnished.account_id,
        furnished.borrower_id,
        coalesce(account_months.outcome, 'not_in_scope') as current_outcome,
        coalesce(account_months.outcome_reasons, 'NOT_IN_SCOPE') as deletion_reason,
        furnished.file_name as furnished_in_file,
        requested.account_id is not null as is_requested
    from furnished
    left join account_months
        on furnished.account_id = account_months.account_id
        and furnished.report_month = account_months.report_month
    left join requested
        on furnished.account_id = requested.account_id
        and furnished.report_month = requested.report_month
    where account_months.outcome is null
        or account_months.outcome <> 'submitted'
)

select * from final
