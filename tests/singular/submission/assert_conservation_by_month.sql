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

expected as (
    select
        reporting_months.report_month,
        count(*) as in_scope
    from accounts
    inner join reporting_months
        on accounts.open_date <= reporting_months.month_end
        and (accounts.closed_date is null or accounts.closed_date >= reporting_months.month_start)
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
