-- The floor: one hand-written DuckDB query computing one month's submission
-- records (consent gate at the cutoff, balance, arrears, buckets, rpy_status)
-- straight from the raw Parquet files, with no rule checks and no history.
-- Placeholders: {raw}, {month_start}, {month_end}, {cutoff}, {previous_cutoff}.
with
accounts as (
    select account_id, borrower_id, account_type,
           cast(open_date as date) as open_date, try_cast(closed_date as date) as closed_date
    from read_parquet('{raw}/accounts.parquet')
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
    select account_id, cast(installment_no as integer) as installment_no,
           cast(replace(replace(paid_at, 'T', ' '), 'Z', '') as timestamp) + interval 8 hour as paid_local,
           cast(amount as decimal(18, 2)) as amount
    from read_parquet('{raw}/payments.parquet')
),
paid as (
    select account_id, installment_no, sum(amount) as paid_to_date
    from payments where paid_local < timestamp '{cutoff}'
    group by all
),
running as (
    select account_id, installment_no, paid_local,
           sum(amount) over (partition by account_id, installment_no order by paid_local) as running_paid
    from payments where paid_local < timestamp '{cutoff}'
),
per_installment as (
    select i.*, coalesce(p.paid_to_date, 0) as paid_to_date,
           least(greatest(coalesce(p.paid_to_date, 0) - i.interest_due, 0), i.principal_due) as principal_paid,
           (select min(cast(r.paid_local as date)) from running as r
             where r.account_id = i.account_id and r.installment_no = i.installment_no
               and r.running_paid >= i.principal_due + i.interest_due) as fully_paid_on
    from installments as i left join paid as p using (account_id, installment_no)
),
per_account as (
    select account_id,
           sum(principal_due - principal_paid) as balance,
           count(*) filter (where due_date < date '{month_end}' and paid_to_date < principal_due + interest_due) as overdue_periods,
           coalesce(max(date '{month_end}' - due_date) filter (where due_date < date '{month_end}' and paid_to_date < principal_due + interest_due), 0) as days_past_due,
           coalesce(sum(principal_due + interest_due - paid_to_date) filter (where due_date < date '{month_end}' and paid_to_date < principal_due + interest_due), 0) as total_overdue,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < principal_due + interest_due and date '{month_end}' - due_date between 31 and 60), 0) as overdue_31_60,
           coalesce(sum(principal_due - principal_paid) filter (where due_date < date '{month_end}' and paid_to_date < principal_due + interest_due and date '{month_end}' - due_date >= 181), 0) as overdue_over_180,
           bool_or(due_date between date '{month_start}' and date '{month_end}' and fully_paid_on > due_date) as paid_late,
           bool_or(due_date between date '{month_start}' and date '{month_end}') as due_this_month
    from per_installment group by account_id
),
consent as (
    select borrower_id, arg_max(action, (event_local, action = 'withdraw', event_id)) as last_action
    from (
        select borrower_id, event_id, action,
               cast(replace(replace(event_at, 'T', ' '), 'Z', '') as timestamp) + interval 8 hour as event_local
        from read_parquet('{raw}/consent_events.parquet')
        where purpose = 'credit_reporting')
    where event_local < timestamp '{cutoff}'
    group by borrower_id
)
select a.account_id, a.borrower_id, b.full_name, b.id_number, pa.balance, pa.days_past_due, pa.total_overdue,
       case when a.closed_date <= date '{month_end}' then 'C'
            when pa.days_past_due >= 181 then '7' when pa.days_past_due >= 151 then '6'
            when pa.days_past_due >= 121 then '5' when pa.days_past_due >= 91 then '4'
            when pa.days_past_due >= 61 then '3' when pa.days_past_due >= 31 then '2'
            when pa.days_past_due >= 1 then '1' when pa.paid_late then 'M'
            when pa.due_this_month then 'N' else '*' end as rpy_status
from accounts as a
join consent as c on a.borrower_id = c.borrower_id and c.last_action = 'grant'
join read_parquet('{raw}/borrowers.parquet') as b on a.borrower_id = b.borrower_id
left join per_account as pa on a.account_id = pa.account_id
where a.open_date <= date '{month_end}' and (a.closed_date is null or a.closed_date >= date '{month_start}')
