"""Probe of a design: a month's installment figures from a working set.

    .venv/bin/python bench/working_set_probe.py --db bench/.work/incremental_1000000.duckdb --month 2026-10

On a mart built through `--month`, it builds the working set at the cutoff of
the month before (every chosen installment not paid off by then, or due from
`--month` on, with its paid-to-date: set-up, not timed as the month's work),
then does the month from it and the month's new facts only: the live
installments' paid-to-date and payoff date after the month, and per account
the overdue periods and amounts, the overdue principal's buckets, days past
due, current due amount, remaining periods, balance and the late payoff
behind rpy_status `M`. It prints the process CPU of each step, of writing the
next month's working set and the month's payment-month and overdue rows, and
how many open in-scope accounts differ from `int_account_months_derived`
(BENCHMARKS.md, item 54). Read-only on the mart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import duckdb

INSTALLMENTS = "intermediate.int_installments_checked"
PAYMENTS = "intermediate.int_payments_checked"
DERIVED = "intermediate.int_account_months_derived"


def month_bounds(month: str) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The month before's start, the month's start and end, the next month's start."""
    start = dt.date.fromisoformat(month + "-01")
    previous = (start - dt.timedelta(days=1)).replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return previous, start, following - dt.timedelta(days=1), following


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="a mart built through --month")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    args = parser.parse_args()
    previous, start, end, following = (f"date '{day}'" for day in month_bounds(args.month))
    # an installment overdue at the month's end, the SPEC §5 way
    overdue = f"due_date < {end} and paid_now < amount_due and amount_due > 0"
    principal_left = "principal_due - least(greatest(paid_now - interest_due, 0), principal_due)"

    with tempfile.TemporaryDirectory() as scratch:
        con = duckdb.connect(str(Path(scratch) / "probe.duckdb"))
        con.execute("set threads = 2; set memory_limit = '5GB'; set preserve_insertion_order = false")
        con.execute(f"attach '{args.db}' as mart (read_only)")
        con.execute("use mart")

        def step(label: str, sql: str) -> None:
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            con.execute(sql)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            rows = con.execute(f"select count(*) from {label}").fetchone()[0]
            print(f"{label:24s} {time.perf_counter() - started:6.2f} s  {cpu:6.2f} CPU-s  {rows:>11,} rows", flush=True)

        chosen = (
            f"select account_id, installment_no, due_date, principal_due, interest_due, amount_due, exists_from_month "
            f"from {INSTALLMENTS} where is_chosen_version and not fails_ins_002 and installment_no is not null"
        )
        print("set-up (not the month's work):")
        step(
            "live_before",
            f"""create temp table live_before as
            with paid as (
                select account_id, installment_no, sum(amount) as paid_to_date
                from {PAYMENTS} where is_valid and paid_in_month <= {previous} group by all
            )
            select chosen.*, coalesce(paid.paid_to_date, 0) as paid_to_date
            from ({chosen} and exists_from_month <= {previous}) as chosen
            left join paid using (account_id, installment_no)
            where coalesce(paid.paid_to_date, 0) < chosen.amount_due
                or chosen.due_date >= {start} or chosen.due_date is null""",
        )
        print("the month:")
        step(
            "month_payments",
            f"""create temp table month_payments as
            select account_id, installment_no, payment_id, paid_at_local, paid_on_local, amount
            from {PAYMENTS} where is_valid and paid_in_month = {start}""",
        )
        step(
            "live_now",
            f"""create temp table live_now as
            with live as (
                select * from live_before
                union all
                select *, 0 as paid_to_date from ({chosen} and exists_from_month = {start}) as new_installments
            ),
            paid as (
                select account_id, installment_no, sum(amount) as paid_in_month
                from month_payments group by all
            ),
            moved as (
                select live.*, live.paid_to_date + coalesce(paid.paid_in_month, 0) as paid_now,
                       paid.account_id is not null as is_paid_in_month
                from live left join paid using (account_id, installment_no)
            ),
            payoffs as (
                -- SPEC §5 fully_paid_on of the installments paid off in the month
                select account_id, installment_no, min(paid_on_local) as fully_paid_on
                from (
                    select payments.account_id, payments.installment_no, payments.paid_on_local, moved.amount_due,
                           moved.paid_to_date + sum(payments.amount) over (
                               partition by payments.account_id, payments.installment_no
                               order by payments.paid_at_local, payments.payment_id
                               rows between unbounded preceding and current row) as running
                    from month_payments as payments
                    inner join moved using (account_id, installment_no)
                    where moved.is_paid_in_month and moved.amount_due > 0
                        and moved.paid_to_date < moved.amount_due and moved.paid_now >= moved.amount_due
                ) as running_paid
                where running >= amount_due
                group by all
            )
            select moved.*, payoffs.fully_paid_on
            from moved left join payoffs using (account_id, installment_no)""",
        )
        step(
            "account_figures",
            f"""create temp table account_figures as
            select
                account_id,
                count(*) filter (where {overdue}) as overdue_periods,
                coalesce(sum(amount_due - paid_now) filter (where {overdue}), 0) as total_overdue,
                coalesce(sum({principal_left}) filter (where {overdue}), 0) as overdue_principal,
                coalesce(sum({principal_left}) filter (where {overdue} and {end} - due_date between 31 and 60), 0)
                    as overdue_principal_31_60,
                coalesce(sum({principal_left}) filter (where {overdue} and {end} - due_date >= 181), 0)
                    as overdue_principal_over_180,
                coalesce(max({end} - due_date) filter (where {overdue}), 0) as days_past_due,
                coalesce(sum(amount_due) filter (where due_date between {start} and {end}), 0) as current_due_amount,
                coalesce(bool_or(due_date between {start} and {end} and fully_paid_on > due_date
                                 and fully_paid_on <= {end}), false) as has_late_payoff,
                count(*) filter (where due_date > {end}) as remaining_periods,
                sum({principal_left}) as balance
            from live_now
            group by account_id""",
        )
        step(
            "live_after",
            f"""create temp table live_after as
            select account_id, installment_no, due_date, principal_due, interest_due, amount_due, exists_from_month,
                   paid_now as paid_to_date
            from live_now
            where paid_now < amount_due or due_date >= {following} or due_date is null""",
        )
        print("writing it:")
        step("probe.main.live", "create table probe.main.live as select * from live_after; checkpoint probe")
        step(
            "probe.main.payment_rows",
            f"""create table probe.main.payment_rows as
            select account_id, installment_no, {start} as paid_in_month,
                   paid_now - paid_to_date as paid_in_month_amount, paid_now as paid_to_date, amount_due,
                   least(greatest(paid_now - interest_due, 0), principal_due) as principal_paid_to_date,
                   least(greatest(paid_now - interest_due, 0), principal_due)
                       - least(greatest(paid_to_date - interest_due, 0), principal_due) as principal_paid_change,
                   fully_paid_on, exists_from_month
            from live_now where is_paid_in_month; checkpoint probe""",
        )
        step(
            "probe.main.overdue_rows",
            f"""create table probe.main.overdue_rows as
            select account_id, installment_no, {start} as month_start, due_date, {end} - due_date as days_overdue,
                   amount_due - paid_now as overdue_amount, {principal_left} as overdue_principal
            from live_now where {overdue}; checkpoint probe""",
        )
        differing = con.execute(
            f"""select
                count(*),
                count(*) filter (where coalesce(figures.overdue_periods, 0) <> derived.overdue_periods
                    or coalesce(figures.total_overdue, 0) <> derived.total_overdue
                    or coalesce(figures.overdue_principal, 0) <> derived.overdue_principal
                    or coalesce(figures.overdue_principal_31_60, 0) <> derived.overdue_principal_31_60
                    or coalesce(figures.overdue_principal_over_180, 0) <> derived.overdue_principal_over_180
                    or coalesce(figures.days_past_due, 0) <> derived.days_past_due
                    or coalesce(figures.current_due_amount, 0) <> derived.current_due_amount
                    or coalesce(figures.remaining_periods, 0) <> derived.remaining_periods
                    or coalesce(figures.balance, 0) <> derived.balance
                    or (derived.rpy_status = 'M')
                        <> (coalesce(figures.has_late_payoff, false) and derived.days_past_due = 0))
            from {DERIVED} as derived
            left join account_figures as figures using (account_id)
            where derived.month_start = {start} and derived.acct_status <> '3'"""
        ).fetchone()
        print(f"open in-scope accounts of the month: {differing[0]:,}; differing from {DERIVED}: {differing[1]:,}")
        con.close()


if __name__ == "__main__":
    main()
