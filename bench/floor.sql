-- The floor: one hand-written DuckDB query computing one month's submission
-- records straight from the raw Parquet files: the 210 account records with
-- every field of submission_account_records (SPEC §5, EXPORT.md) and the 110
-- person records of submission_person_records, in one result (record_type
-- tells them apart). What a record needs from earlier months (rpt_date_code
-- 31, a person's first submitted month) comes from the consent log at each
-- earlier cutoff. No rule checks, no stored state: it assumes clean input.
-- Placeholders: {raw}, {month_start}, {month_end}, {cutoff}, {previous_cutoff}
-- (cutoffs as Beijing local timestamps).
with
accounts as (
    select account_id, borrower_id, account_type, business_kind, currency, repay_mode, repay_frequency,
           guarantee_mode, cast(open_date as date) as open_date, try_cast(closed_date as date) as closed_date,
           try_cast(due_date as date) as due_date, cast(loan_amount as decimal(18, 2)) as loan_amount,
           cast(credit_limit as decimal(18, 2)) as credit_limit
    from read_parquet('{raw}/accounts.parquet')
),
first_month as (
    -- first_reporting_month's default: the month of the earliest open date
    select date_trunc('month', min(open_date)) as first_month from accounts
),
installments as (
    select i.account_id, cast(i.installment_no as integer) as installment_no,
           cast(i.due_date as date) as due_date,
           cast(i.principal_due as decimal(18, 2)) as principal_due,
           cast(i.interest_due as decimal(18, 2)) as interest_due
    from read_parquet('{raw}/installments.parquet') as i
    join accounts as a using (account_id)
    where coalesce(try_cast(i.scheduled_on as date), a.open_date) <= date '{month_end}'
),
payments as (
    select * from (
        select account_id, cast(installment_no as integer) as installment_no,
               cast(replace(replace(paid_at, 'T', ' '), 'Z', '') as timestamp) + interval 8 hour as paid_local,
               cast(amount as decimal(18, 2)) as amount
        from read_parquet('{raw}/payments.parquet')
    )
    where paid_local < timestamp '{cutoff}'
),
running as (
    select account_id, installment_no, cast(paid_local as date) as paid_on,
           sum(amount) over (partition by account_id, installment_no order by paid_local
                             rows between unbounded preceding and current row) as running_paid
    from payments
),
per_installment as (
    select i.*, i.principal_due + i.interest_due as amount_due,
           coalesce(p.paid_to_date, 0) as paid_to_date,
           least(greatest(coalesce(p.paid_to_date, 0) - i.interest_due, 0), i.principal_due) as principal_paid,
           f.fully_paid_on
    from installments as i
    left join (select account_id, installment_no, sum(amount) as paid_to_date from payments group by all) as p
        using (account_id, installment_no)
    left join (
        select r.account_id, r.installment_no, min(r.paid_on) as fully_paid_on
        from running as r join installments as i using (account_id, installment_no)
        where r.running_paid >= i.principal_due + i.interest_due and i.principal_due + i.interest_due > 0
        group by all
    ) as f using (account_id, installment_no)
),
per_account as (
    select account_id,
           count(*) as installment_count,
           sum(principal_due - principal_paid) as balance,
           count(*) filter (where due_date > date '{month_end}') as remaining_periods,
           count(*) filter (where due_date < date '{month_end}' and paid_to_date < amount_due) as overdue_periods,
           coalesce(max(date '{month_end}' - due_date) filter (where due_date < date '{month_end}' and paid_to_date < amount_due), 0) as days_past_due,
           coalesce(sum(amount_due - paid_to_date) filter (where due_date < date '{month_end}' and paid_to_date < amount_due), 0) as total_overdue,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < amount_due), 0) as overdue_principal,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < amount_due
                                                                and date '{month_end}' - due_date between 31 and 60), 0) as overdue_31_60,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < amount_due
                                                                and date '{month_end}' - due_date between 61 and 90), 0) as overdue_61_90,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < amount_due
                                                                and date '{month_end}' - due_date between 91 and 180), 0) as overdue_91_180,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < amount_due
                                                                and date '{month_end}' - due_date >= 181), 0) as overdue_over_180,
           coalesce(sum(amount_due) filter (where due_date between date '{month_start}' and date '{month_end}'), 0) as current_due_amount,
           bool_or(due_date between date '{month_start}' and date '{month_end}' and fully_paid_on > due_date) as paid_late,
           bool_or(due_date between date '{month_start}' and date '{month_end}') as due_this_month
    from per_installment group by account_id
),
account_payments as (
    select account_id,
           sum(amount) filter (where paid_local >= timestamp '{previous_cutoff}') as current_paid_amount,
           max(cast(paid_local as date)) as last_payment_date
    from payments group by account_id
),
last_payments as (
    select p.account_id, ap.current_paid_amount, ap.last_payment_date, sum(p.amount) as last_payment_amount
    from payments as p join account_payments as ap
        on p.account_id = ap.account_id and cast(p.paid_local as date) = ap.last_payment_date
    group by all
),
events as (
    -- SPEC §4: credit_reporting events in order, a withdrawal after a grant of the same instant
    select borrower_id, event_id, action, event_local,
           lead(event_local) over (partition by borrower_id order by event_local, action = 'withdraw', event_id) as next_local,
           row_number() over (partition by borrower_id order by event_local desc, action = 'withdraw' desc, event_id desc) as latest
    from (
        select borrower_id, event_id, action,
               cast(replace(replace(event_at, 'T', ' '), 'Z', '') as timestamp) + interval 8 hour as event_local
        from read_parquet('{raw}/consent_events.parquet')
        where purpose = 'credit_reporting'
    )
    where event_local < timestamp '{cutoff}'
),
consented as (
    -- the borrowers consented at the month's cutoff, with the grant's event_id
    select borrower_id, event_id as consent_event_id from events where latest = 1 and action = 'grant'
),
grant_months as (
    -- the months before this one whose cutoff (the next month's start) a grant
    -- governs: the cutoffs after the grant and not after the next event
    select borrower_id,
           cast(date_trunc('month', event_local) as date) as from_month,
           cast(date_trunc('month', least(coalesce(next_local, timestamp '{previous_cutoff}'), timestamp '{previous_cutoff}'))
                - interval 1 month as date) as through_month
    from events
    where action = 'grant' and event_local < timestamp '{previous_cutoff}'
),
submitted_before as (
    -- accounts submitted in an earlier month: in scope while the borrower was consented
    select distinct a.account_id, a.borrower_id
    from accounts as a
    join grant_months as g on a.borrower_id = g.borrower_id
    cross join first_month
    where greatest(g.from_month, date_trunc('month', a.open_date), first_month.first_month)
          <= least(g.through_month, coalesce(date_trunc('month', a.closed_date), g.through_month))
),
records as (
    select a.*, c.consent_event_id,
           case when a.closed_date <= date '{month_end}' then '20'
                when a.open_date >= date '{month_start}' then '10'
                when sb.account_id is null then '31' else '30' end as rpt_date_code,
           case when a.closed_date <= date '{month_end}' then '3'
                when coalesce(pa.days_past_due, 0) > 0 then '2' else '1' end as acct_status,
           pa.*, lp.current_paid_amount, lp.last_payment_date, lp.last_payment_amount
    from accounts as a
    join consented as c on a.borrower_id = c.borrower_id
    left join per_account as pa on a.account_id = pa.account_id
    left join last_payments as lp on a.account_id = lp.account_id
    left join submitted_before as sb on a.account_id = sb.account_id
    where a.open_date <= date '{month_end}' and (a.closed_date is null or a.closed_date >= date '{month_start}')
),
borrowers as (
    select borrower_id, full_name, id_type, upper(trim(id_number)) as id_number, gender,
           try_cast(birth_date as date) as birth_date, mobile_phone, region_code,
           cast(replace(replace(updated_at, 'T', ' '), 'Z', '') as timestamp) + interval 8 hour as updated_local
    from read_parquet('{raw}/borrowers.parquet')
)
select '210' as record_type, r.account_id, r.borrower_id, r.account_type,
       case r.rpt_date_code when '10' then r.open_date when '20' then r.closed_date else date '{month_end}' end as rpt_date,
       r.rpt_date_code, b.full_name, b.id_type, b.id_number, r.business_kind, r.open_date, r.currency, r.credit_limit,
       r.loan_amount, r.due_date, r.repay_mode, r.repay_frequency, coalesce(r.installment_count, 0) as repay_periods,
       r.guarantee_mode, r.acct_status,
       case when r.acct_status = '3' then 0 else coalesce(r.balance, 0) end as balance,
       coalesce(r.remaining_periods, 0) as remaining_periods,
       case when r.acct_status = '3' or coalesce(r.days_past_due, 0) = 0 then '1' when r.days_past_due <= 90 then '2'
            when r.days_past_due <= 120 then '3' when r.days_past_due <= 180 then '4' else '5' end as five_tier_class,
       case when r.acct_status = '3' then 'C'
            when r.days_past_due >= 181 then '7' when r.days_past_due >= 151 then '6'
            when r.days_past_due >= 121 then '5' when r.days_past_due >= 91 then '4'
            when r.days_past_due >= 61 then '3' when r.days_past_due >= 31 then '2'
            when r.days_past_due >= 1 then '1' when r.paid_late then 'M'
            when r.due_this_month then 'N' else '*' end as rpy_status,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_periods, 0) end as overdue_periods,
       case when r.acct_status = '3' then 0 else coalesce(r.total_overdue, 0) end as total_overdue,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_principal, 0) end as overdue_principal,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_31_60, 0) end as overdue_principal_31_60,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_61_90, 0) end as overdue_principal_61_90,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_91_180, 0) end as overdue_principal_91_180,
       case when r.acct_status = '3' then 0 else coalesce(r.overdue_over_180, 0) end as overdue_principal_over_180,
       coalesce(r.current_due_amount, 0) as current_due_amount, coalesce(r.current_paid_amount, 0) as current_paid_amount,
       r.last_payment_amount, r.last_payment_date,
       case when r.acct_status = '3' then r.closed_date end as closed_date,
       case when r.acct_status = '3' then 0 else coalesce(r.days_past_due, 0) end as days_past_due,
       r.consent_event_id,
       null as gender, null as birth_date, null as mobile_phone, null as region_code, null as info_updated_on
from records as r join borrowers as b on r.borrower_id = b.borrower_id
union all by name
-- 110: borrowers with a submitted account this month, new (none submitted
-- before: 10) or with identity updated in the month (20)
select '110' as record_type, null as account_id, b.borrower_id, date '{month_end}' as rpt_date,
       case when not exists (select 1 from submitted_before as sb where sb.borrower_id = b.borrower_id) then '10' else '20' end
           as rpt_date_code,
       b.full_name, b.id_type, b.id_number, b.gender, b.birth_date, b.mobile_phone, b.region_code,
       cast(b.updated_local as date) as info_updated_on
from borrowers as b
where b.borrower_id in (select borrower_id from records)
    and (not exists (select 1 from submitted_before as sb where sb.borrower_id = b.borrower_id)
         or (b.updated_local >= timestamp '{previous_cutoff}' and b.updated_local < timestamp '{cutoff}'))
