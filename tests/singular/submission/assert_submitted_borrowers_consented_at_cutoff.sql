{{ config(meta={'rule_id': 'CHK-006', 'dagster': {'ref': {'name': 'submission_account_records'}}}) }}
-- No record of the submission file without a consented borrower at that
-- month's cutoff, re-derived from the staged consent log independently of
-- the consent models: the last credit_reporting event before cutoff
-- (withdrawal after grant at the same instant) must be the grant the record
-- carries as evidence, and the borrower must have no ambiguous
-- credit_reporting event. It reads the file's records (not the submitted
-- rows of fct_account_months), so dbt runs it once the file is built, beside
-- the models that do not read the file.
with

submitted as (
    select
        account_id,
        borrower_id,
        report_month,
        consent_event_id
    from {{ ref('submission_account_records') }}
),

reporting_months as (
    select
        report_month,
        cutoff_local
    from {{ ref('int_reporting_months') }}
),

consent_events as (
    select
        event_id,
        borrower_id,
        action,
        event_at_local
    from {{ ref('stg_lending__consent_events') }}
    where purpose = 'credit_reporting'
),

events_before_cutoff as (
    select
        submitted.account_id,
        submitted.report_month,
        submitted.consent_event_id,
        consent_events.event_id,
        consent_events.action,
        consent_events.event_at_local,
        row_number() over (
            partition by submitted.account_id, submitted.report_month
            order by
                consent_events.event_at_local desc,
                case when consent_events.action = 'withdraw' then 0 else 1 end,
                consent_events.event_id desc
        ) as recency
    from submitted
    inner join reporting_months
        on submitted.report_month = reporting_months.report_month
    left join consent_events
        on submitted.borrower_id = consent_events.borrower_id
        and (consent_events.event_at_local < reporting_months.cutoff_local or consent_events.event_at_local is null)
),

not_consented as (
    select
        account_id,
        report_month,
        'last event before cutoff is not the evidenced grant' as problem
    from events_before_cutoff
    where recency = 1
        and (event_id is null or action <> 'grant' or event_id is distinct from consent_event_id)
),

ambiguous as (
    select distinct
        account_id,
        report_month,
        'borrower has an ambiguous credit_reporting event' as problem
    from events_before_cutoff
    where event_id is not null
        and (event_at_local is null or action is null or action not in ('grant', 'withdraw'))
)

select * from not_consented
union all
select * from ambiguous
