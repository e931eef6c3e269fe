{#- an asset check on rpt_submission_reconciliation when run from Dagster (deploy/dagster) -#}
{{ config(meta={'dagster': {'ref': {'name': 'rpt_submission_reconciliation'}}}) }}

-- Conservation per month, in count and in balance: every in-scope account
-- (counted here straight from the accounts, independently of the mart) is
-- exactly one fct_account_months row, and in_scope = submitted + excluded +
-- rejected in rpt_submission_reconciliation.
with

accounts as (
    select distinct
        account_id,
        open_date,
        closed_date
    from {{ ref('int_accounts_checked') }}
    where is_chosen_version
        and open_date is not null
),

reporting_months as (
    select * from {{ ref('int_reporting_months') }}
),

spans as (
    -- in scope from the month of open_date through the month of closed_date
    select
        {{ month_start('open_date') }} as from_month,
        {{ month_start('closed_date') }} as to_month
    from accounts
),

scope_changes as (
    -- +1 from an account's first month, -1 from the month after its last
    -- (counts per month, so no account is paired with every month)
    select from_month as change_month, count(*) as change
    from spans
    where to_month is null or to_month >= from_month
    group by from_month

    union all

    select cast({{ dbt.dateadd('month', 1, 'to_month') }} as date) as change_month, -count(*) as change
    from spans
    where to_month >= from_month
    group by to_month
),

expected as (
    select
        reporting_months.report_month,
        sum(scope_changes.change) as in_scope
    from reporting_months
    inner join scope_changes
        on scope_changes.change_month <= reporting_months.month_start
    group by reporting_months.report_month
),

actual as (
    select
        report_month,
        count(*) as in_scope,
        sum(balance) as balance
    from {{ ref('fct_account_months') }}
    group by report_month
),

reconciliation as (
    select * from {{ ref('rpt_submission_reconciliation') }}
)

select
    reconciliation.report_month,
    expected.in_scope as expected_in_scope,
    actual.in_scope as actual_in_scope,
    reconciliation.in_scope as reconciled_in_scope
from reconciliation
left join expected
    on reconciliation.report_month = expected.report_month
left join actual
    on reconciliation.report_month = actual.report_month
where coalesce(expected.in_scope, 0) <> coalesce(actual.in_scope, 0)
    or coalesce(actual.in_scope, 0) <> reconciliation.in_scope
    or reconciliation.in_scope
        <> reconciliation.submitted + reconciliation.excluded_no_consent + reconciliation.excluded_withdrawn + reconciliation.rejected
    or coalesce(actual.balance, 0) <> reconciliation.in_scope_balance
    or reconciliation.in_scope_balance
        <> reconciliation.submitted_balance + reconciliation.excluded_no_consent_balance
        + reconciliation.excluded_withdrawn_balance + reconciliation.rejected_balance
