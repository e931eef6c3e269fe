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

-- The event last before a cutoff (latest instant first; at one instant a
-- withdrawal before a grant, then the greatest event_id; events without an
-- instant last) as intervals of cutoffs per borrower, so each record meets
-- at most one event and no window runs over the records.
timed_last as (
    -- the last event of each instant, for the cutoffs after it up to the
    -- next instant
    select
        borrower_id,
        event_id,
        action,
        event_at_local as after_local,
        lead(event_at_local) over (partition by borrower_id order by event_at_local) as through_local
    from (
        select
            *,
            row_number() over (
                partition by borrower_id, event_at_local
                order by case when action = 'withdraw' then 0 else 1 end, event_id desc
            ) as rank_at_instant
        from consent_events
        where event_at_local is not null
    ) as ranked
    where rank_at_instant = 1
),

untimed_last as (
    -- an event without an instant, for the cutoffs before every timed event
    select
        ranked.borrower_id,
        ranked.event_id,
        ranked.action,
        cast(null as {{ dbt.type_timestamp() }}) as after_local,
        first_timed.first_at_local as through_local
    from (
        select
            *,
            row_number() over (
                partition by borrower_id
                order by case when action = 'withdraw' then 0 else 1 end, event_id desc
            ) as rank_untimed
        from consent_events
        where event_at_local is null
    ) as ranked
    left join (
        select borrower_id, min(event_at_local) as first_at_local
        from consent_events
        group by borrower_id
    ) as first_timed
        on ranked.borrower_id = first_timed.borrower_id
    where ranked.rank_untimed = 1
),

last_events as (
    select * from timed_last
    union all
    select * from untimed_last
),

submitted_at_cutoff as (
    select
        submitted.account_id,
        submitted.borrower_id,
        submitted.report_month,
        submitted.consent_event_id,
        reporting_months.cutoff_local
    from submitted
    inner join reporting_months
        on submitted.report_month = reporting_months.report_month
),

not_consented as (
    select
        submitted_at_cutoff.account_id,
        submitted_at_cutoff.report_month,
        'last event before cutoff is not the evidenced grant' as problem
    from submitted_at_cutoff
    left join last_events
        on submitted_at_cutoff.borrower_id = last_events.borrower_id
        and (last_events.after_local is null or last_events.after_local < submitted_at_cutoff.cutoff_local)
        and (last_events.through_local is null or submitted_at_cutoff.cutoff_local <= last_events.through_local)
    where last_events.event_id is null
        or last_events.action <> 'grant'
        or last_events.event_id is distinct from submitted_at_cutoff.consent_event_id
),

ambiguous as (
    select distinct
        submitted_at_cutoff.account_id,
        submitted_at_cutoff.report_month,
        'borrower has an ambiguous credit_reporting event' as problem
    from submitted_at_cutoff
    inner join consent_events
        on submitted_at_cutoff.borrower_id = consent_events.borrower_id
        and (consent_events.event_at_local < submitted_at_cutoff.cutoff_local or consent_events.event_at_local is null)
    where consent_events.event_id is not null
        and (
            consent_events.event_at_local is null
            or consent_events.action is null
            or consent_events.action not in ('grant', 'withdraw')
        )
)

select * from not_consented
union all
select * from ambiguous
