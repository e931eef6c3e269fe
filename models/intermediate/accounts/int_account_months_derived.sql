{#- SPEC §5 for every in-scope account-month. Amounts that accumulate over
    time (balance, net outstanding, remaining periods) are built from
    per-month changes summed over the account's months, so no installment is
    repeated for every month it exists; only overdue installments are
    expanded per month (int_installment_overdue_months).

    Incremental builds recompute the window of int_account_month_changes;
    the running totals start from the account's row of the month before the
    window (kept from the last build), so no earlier fact is read again. -#}
{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}
-- depends_on: {{ ref('stg_lending__accounts') }}
{%- set incremental = creditmart.incremental_mode() %}
{%- set window_start = creditmart.month_layer_start() if incremental else '1900-01-01' %}
{%- set one_new_month = creditmart.builds_one_new_month() %}

with

account_months as (
    -- only what the derivations read: the account's other columns are the
    -- scope's (fct_account_months joins them)
    select
        scoped.account_id,
        scoped.closed_date,
        scoped.month_start,
        scoped.month_end
    from {{ creditmart.month_window(ref('int_account_months_scoped'), 'scoped') }}
),

account_windows as (
    -- the account's months built here (all of them in a full build)
    select
        account_id,
        min(month_start) as first_month
    from account_months
    group by account_id
),

previous_state as (
    -- the running totals of the month before the window, when it was built
    {% if incremental -%}
    select
        derived.account_id,
        derived.open_principal_cents,
        derived.net_outstanding_cents,
        derived.installment_count,
        derived.remaining_periods,
        derived.last_payment_date,
        derived.last_payment_amount,
        cast({{ dbt.dateadd('month', 1, 'derived.month_start') }} as date) as continues_from
    from {{ this }} as derived
    inner join {{ creditmart.replaced_from_months('account_windows') }} as replaced
        on derived.account_id = replaced.account_id
        and derived.month_start = cast({{ dbt.dateadd('month', -1, 'replaced.replaced_from') }} as date)
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as bigint) as open_principal_cents,
        cast(null as bigint) as net_outstanding_cents,
        cast(null as integer) as installment_count,
        cast(null as integer) as remaining_periods,
        cast(null as date) as last_payment_date,
        cast(null as {{ type_money() }}) as last_payment_amount,
        cast(null as date) as continues_from
    where false
    {%- endif %}
),

change_windows as (
    -- the month each account's facts are read from: all of them, unless the
    -- previous state already holds them (those up to its month)
    select
        account_windows.account_id,
        coalesce(previous_state.continues_from, cast('1900-01-01' as date)) as changes_from_month
    from account_windows
    left join previous_state
        on account_windows.account_id = previous_state.account_id
),

history_accounts as (
    -- accounts whose facts before the new month matter: rebuilt from an
    -- earlier month or without a previous state; the others need only the
    -- facts from the new month on
    select account_id
    from change_windows
    where changes_from_month < date '{{ window_start }}'
),

{% if incremental -%}
{%- set rewritten = creditmart.written_since() -%}
-- History accounts whose staged rows changed since this model's last build
-- (a month's new accounts): the per-fact models have rewritten every fact of
-- theirs since (all of a changed account's installments, payments and
-- payment months), so their earlier facts are among the rows stamped after
-- this model's watermark, in the tables' last row groups. The other history
-- accounts' facts are found by key in every row (none in a month without
-- late changes; a join with nothing to build reads nothing).
rewritten_history_accounts as (
    select account_id
    from history_accounts
    where account_id in (select account_id from {{ creditmart.changed_account_ids() }})
),

other_history_accounts as (
    select account_id from history_accounts
    except
    select account_id from rewritten_history_accounts
),

{% endif -%}

{% set chosen_installments -%}
    select
        account_id,
        installment_no,
        due_date,
        principal_due,
        amount_due,
        exists_from_month,
        row_built_at
    from {{ ref('int_installments_checked') }} as installments_checked
    where is_chosen_version
        and not fails_ins_002
        and exists_from_month is not null
{%- endset %}

{% if incremental -%}
{%- set is_recent -%}
    (exists_from_month >= date '{{ window_start }}'
        or coalesce(due_date >= date '{{ window_start }}' and due_date < cast({{ dbt.dateadd('month', 1, reporting_month_start()) }} as date), false))
{%- endset -%}
-- incremental: two narrow reads of the installments rather than every one
-- of the window's accounts (19.7M of 23.8M rows at 1M, BENCHMARKS.md item
-- 16). Rows of accounts outside the window are dropped by the joins with
-- account_months and change_windows below.
recent_installments as materialized (
    -- the installments whose existence or due month reaches the months
    -- built here (a later due date changes nothing yet), and every one of
    -- the history accounts
    select * from ({{ chosen_installments }}) as chosen
    where {{ is_recent }}

    union all

    select * from ({{ chosen_installments }}) as chosen
    semi join rewritten_history_accounts
        on chosen.account_id = rewritten_history_accounts.account_id
    where not {{ is_recent }}
        and chosen.{{ rewritten }}

    union all

    select * from ({{ chosen_installments }}) as chosen
    semi join other_history_accounts
        on chosen.account_id = other_history_accounts.account_id
    where not {{ is_recent }}
),

new_installments as (
    select
        account_id,
        installment_no,
        row_built_at
    from recent_installments
    where exists_from_month >= date '{{ window_start }}'
),

-- new installments not rewritten since this model's last build (their
-- payment months were not either)
other_new_installments as (
    select
        account_id,
        installment_no
    from new_installments
    where not {{ rewritten }}
),

{% set payment_month_rows -%}
    select
        installment_payment_months.account_id,
        installment_payment_months.installment_no,
        installment_payment_months.paid_in_month,
        installment_payment_months.paid_in_month_amount,
        installment_payment_months.principal_paid_change,
        installment_payment_months.exists_from_month
    from {{ ref('int_installment_payment_months') }} as installment_payment_months
{%- endset %}

-- materialized: else the optimizer joins every payment month to its
-- installment before this filter (4 s of 13 s at 1M)
payment_months as materialized (
    -- the window's payment months, and the earlier ones of the history
    -- accounts and the new installments: those rewritten since this model's
    -- last build by their stamp (joins, not a correlated exists, which was
    -- decorrelated into an aggregate over every payment month), the others
    -- by key in every row
    {{ payment_month_rows }}
    where installment_payment_months.paid_in_month >= date '{{ window_start }}'

    union all

    {{ payment_month_rows }}
    left join history_accounts
        on installment_payment_months.account_id = history_accounts.account_id
    left join new_installments
        on installment_payment_months.account_id = new_installments.account_id
        and installment_payment_months.installment_no = new_installments.installment_no
    where installment_payment_months.paid_in_month < date '{{ window_start }}'
        and installment_payment_months.{{ rewritten }}
        and (history_accounts.account_id is not null or new_installments.account_id is not null)

    union all

    {{ payment_month_rows }}
    semi join other_history_accounts
        on installment_payment_months.account_id = other_history_accounts.account_id
    where installment_payment_months.paid_in_month < date '{{ window_start }}'
        and not installment_payment_months.{{ rewritten }}

    union all

    {{ payment_month_rows }}
    semi join other_new_installments
        on installment_payment_months.account_id = other_new_installments.account_id
        and installment_payment_months.installment_no = other_new_installments.installment_no
    where installment_payment_months.paid_in_month < date '{{ window_start }}'
        and not installment_payment_months.{{ rewritten }}
        and installment_payment_months.account_id not in (select account_id from other_history_accounts)
),

{% else -%}
-- read twice below: not materialized (two scans of the table are cheaper than
-- holding all 23.8M installments at 1M, BENCHMARKS.md item 68)
recent_installments as {{ creditmart.cte_not_materialized() }} (
    {{ chosen_installments }}
),

payment_months as (
    select
        account_id,
        installment_no,
        paid_in_month,
        paid_in_month_amount,
        principal_paid_change,
        exists_from_month
    from {{ ref('int_installment_payment_months') }}
),

{% endif -%}
payoffs as (
    -- read only for recent installments (their falling due): when incremental,
    -- those paid off in the window (a late payoff follows its due date) and
    -- those of the history accounts
    select * from {{ ref('int_installment_payoffs') }} as installment_payoffs
    {% if incremental -%}
    where fully_paid_on >= date '{{ window_start }}'

    union all

    select * from {{ ref('int_installment_payoffs') }} as installment_payoffs
    semi join rewritten_history_accounts
        on installment_payoffs.account_id = rewritten_history_accounts.account_id
    where installment_payoffs.fully_paid_on < date '{{ window_start }}'
        and installment_payoffs.{{ rewritten }}

    union all

    select * from {{ ref('int_installment_payoffs') }} as installment_payoffs
    semi join other_history_accounts
        on installment_payoffs.account_id = other_history_accounts.account_id
    where installment_payoffs.fully_paid_on < date '{{ window_start }}'
    {%- endif %}
),

overdue_months as (
    select * from {{ ref('int_installment_overdue_months') }} as installment_overdue_months
    {% if incremental -%}
    semi join account_windows
        on installment_overdue_months.account_id = account_windows.account_id
        and installment_overdue_months.month_start >= account_windows.first_month
    {%- endif %}
),

{% set valid_payments -%}
    select
        payments_checked.account_id,
        payments_checked.paid_in_month,
        payments_checked.paid_on_local,
        payments_checked.amount
    from {{ ref('int_payments_checked') }} as payments_checked
    {% if incremental -%}
    inner join change_windows
        on payments_checked.account_id = change_windows.account_id
        and payments_checked.paid_in_month >= change_windows.changes_from_month
    {% endif -%}
{%- endset %}

payments as (
    {{ valid_payments }}
    where payments_checked.is_valid
    {%- if incremental %}
        and payments_checked.paid_in_month >= date '{{ window_start }}'

    union all

    -- the earlier payments of the history accounts (a filter on the scan
    -- above, not an `or` evaluated on every payment)
    {{ valid_payments }}
    semi join rewritten_history_accounts
        on payments_checked.account_id = rewritten_history_accounts.account_id
    where payments_checked.is_valid
        and payments_checked.paid_in_month < date '{{ window_start }}'
        and payments_checked.{{ rewritten }}

    union all

    {{ valid_payments }}
    semi join other_history_accounts
        on payments_checked.account_id = other_history_accounts.account_id
    where payments_checked.is_valid
        and payments_checked.paid_in_month < date '{{ window_start }}'
    {%- endif %}
),

five_tier_policy as (
    select * from {{ ref('ref_five_tier_policy') }}
),

paid_by_day as (
    select
        account_id,
        paid_in_month,
        paid_on_local,
        sum(amount) as paid_on_day
    from payments
    group by account_id, paid_in_month, paid_on_local
),

-- Every fact that makes an account's month, one row each, in one union: one
-- aggregate by account and month below replaces one per kind of fact and the
-- joins of each to the account's months (BENCHMARKS.md, item 68). Amounts
-- that accumulate are signed changes in integer cents: running sums over
-- bigint are much cheaper than over wide decimals, and exact.
month_facts as (
    -- the account's months themselves: their closing date, or a date after
    -- every month when open (a month without a fact still gets its row)
    select
        account_id,
        month_start,
        coalesce(closed_date, cast('9999-12-31' as date)) as account_month_closed_date,
        cast(null as bigint) as open_principal_change,
        cast(null as bigint) as net_outstanding_change,
        cast(null as bigint) as installment_count_change,
        cast(null as bigint) as remaining_change,
        cast(null as {{ type_money() }}) as due_amount,
        cast(null as integer) as due_state,
        cast(null as {{ type_money() }}) as paid_amount,
        cast(null as date) as paid_on
    from account_months

    union all

    -- installments come into existence (summed first: an instalment loan's
    -- schedule exists from one month, 23.8M installments in 9.2M account
    -- months at 1M)
    select
        account_id,
        exists_from_month,
        null,
        sum({{ to_cents('coalesce(principal_due, 0)') }}),
        sum({{ to_cents('amount_due') }}),
        count(*),
        count(due_date),
        null,
        null,
        null,
        null
    from recent_installments
    group by account_id, exists_from_month

    union all

    -- an installment falls due: no longer a remaining period; due in its
    -- month when it existed by then (due_state 1), paid off late within the
    -- month of its due date (2)
    select
        installments.account_id,
        greatest(installments.exists_from_month, {{ month_start('installments.due_date') }}),
        null,
        null,
        null,
        null,
        -1,
        case when {{ month_start('installments.due_date') }} >= installments.exists_from_month then installments.amount_due end,
        case
            when {{ month_start('installments.due_date') }} < installments.exists_from_month then 0
            when payoffs.fully_paid_on > installments.due_date
                and payoffs.fully_paid_on <= {{ dbt.last_day('installments.due_date', 'month') }}
                then 2
            else 1
        end,
        null,
        null
    from recent_installments as installments
    left join payoffs
        on installments.account_id = payoffs.account_id
        and installments.installment_no = payoffs.installment_no
    where installments.due_date is not null

    union all

    -- payments counted from the later of their month and the installment's
    -- (the payment months carry it; an installment without one is not counted)
    select
        account_id,
        greatest(paid_in_month, exists_from_month),
        null,
        -{{ to_cents('principal_paid_change') }},
        -{{ to_cents('paid_in_month_amount') }},
        null,
        null,
        null,
        null,
        null,
        null
    from payment_months
    where exists_from_month is not null

    union all

    -- what was paid, by day
    select
        account_id,
        paid_in_month,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        paid_on_day,
        paid_on_local
    from paid_by_day
),

account_month_facts as (
    -- one row per account and month with a fact, to the reporting month.
    -- Months before the account's first month here are kept: the running
    -- sums below count them from it. Months after its last one are dropped
    -- with the rows that are not account months.
    select
        account_id,
        month_start,
        max(account_month_closed_date) is not null as is_account_month,
        nullif(max(account_month_closed_date), cast('9999-12-31' as date)) as closed_date,
        sum(open_principal_change) as open_principal_change,
        sum(net_outstanding_change) as net_outstanding_change,
        sum(installment_count_change) as installment_count_change,
        sum(remaining_change) as remaining_change,
        sum(due_amount) as current_due_amount,
        coalesce(max(due_state) >= 1, false) as has_due_in_month,
        coalesce(max(due_state) = 2, false) as has_late_payoff,
        sum(paid_amount) as current_paid_amount,
        max(paid_on) as last_paid_on,
        -- what was paid on the month's last day with a payment
        max_by(paid_amount, paid_on) as last_paid_on_amount
    from month_facts
    where month_start <= {{ reporting_month_start() }}
    group by account_id, month_start
),

{% if incremental -%}
windowed_facts as (
    -- the window's accounts, from the month their previous state ends (the
    -- facts of earlier months and of other accounts were read with the
    -- recent rows)
    select account_month_facts.*
    from account_month_facts
    inner join change_windows
        on account_month_facts.account_id = change_windows.account_id
        and account_month_facts.month_start >= change_windows.changes_from_month
),

{% else -%}
windowed_facts as (
    select * from account_month_facts
),

{% endif -%}
running_totals as (
    {%- for windowed in ([true, false] if one_new_month else [true]) %}
    {%- set running = 'sum(%s) over account_history' if windowed else '%s' %}
    {%- set latest = 'max(%s) over account_history' if windowed else '%s' %}
    {%- if not windowed %}

    union all

    -- the accounts with only the new month to build: its own facts added to
    -- the previous row's totals, no window (builds_one_new_month())
    {%- endif %}
    select
        facts.account_id,
        facts.month_start,
        facts.is_account_month,
        facts.closed_date,
        facts.current_due_amount,
        facts.has_due_in_month,
        facts.has_late_payoff,
        facts.current_paid_amount,
        coalesce(previous_state.open_principal_cents, 0)
            + {{ running | format('coalesce(facts.open_principal_change, 0)') }} as open_principal,
        coalesce(previous_state.net_outstanding_cents, 0)
            + {{ running | format('coalesce(facts.net_outstanding_change, 0)') }} as net_outstanding,
        coalesce(previous_state.installment_count, 0)
            + {{ running | format('coalesce(facts.installment_count_change, 0)') }} as installment_count,
        coalesce(previous_state.remaining_periods, 0)
            + {{ running | format('coalesce(facts.remaining_change, 0)') }} as remaining_periods,
        -- a payment read here is later than the previous state's last one
        coalesce({{ latest | format('facts.last_paid_on') }}, previous_state.last_payment_date) as last_payment_date,
        case
            when {{ latest | format('facts.last_paid_on') }} is not null
                then {{ 'max_by(facts.last_paid_on_amount, facts.last_paid_on) over account_history' if windowed else 'facts.last_paid_on_amount' }}
            else previous_state.last_payment_amount
        end as last_payment_amount
    from windowed_facts as facts
    left join previous_state
        on facts.account_id = previous_state.account_id
    {%- if one_new_month %}
    -- the changed accounts through the window (none in a month without late
    -- changes: a join with nothing to build reads nothing), the others not
    {{ 'semi' if windowed else 'anti' }} join {{ ref('int_account_month_changes') }} as changed_accounts
        on facts.account_id = changed_accounts.account_id
    {%- endif %}
    {%- if windowed %}
    window account_history as (
        partition by facts.account_id
        order by facts.month_start
        rows between unbounded preceding and current row
    )
    {%- endif %}
    {%- endfor %}
),

overdue_by_month as (
    select
        account_id,
        month_start,
        count(*) as overdue_periods,
        sum(overdue_amount) as total_overdue,
        sum(overdue_principal) as overdue_principal,
        sum(case when days_overdue between 31 and 60 then overdue_principal else 0 end) as overdue_principal_31_60,
        sum(case when days_overdue between 61 and 90 then overdue_principal else 0 end) as overdue_principal_61_90,
        sum(case when days_overdue between 91 and 180 then overdue_principal else 0 end) as overdue_principal_91_180,
        sum(case when days_overdue >= 181 then overdue_principal else 0 end) as overdue_principal_over_180,
        max(days_overdue) as days_past_due
    from overdue_months
    group by account_id, month_start
),

accumulated as (
    select
        running_totals.account_id,
        running_totals.month_start,
        coalesce(running_totals.closed_date <= {{ dbt.last_day('running_totals.month_start', 'month') }}, false) as is_closed,
        running_totals.open_principal,
        running_totals.net_outstanding,
        running_totals.installment_count,
        running_totals.remaining_periods,
        running_totals.last_payment_date,
        running_totals.last_payment_amount,
        coalesce(running_totals.current_due_amount, 0) as current_due_amount,
        running_totals.has_due_in_month,
        running_totals.has_late_payoff,
        coalesce(running_totals.current_paid_amount, 0) as current_paid_amount,
        overdue_by_month.overdue_periods,
        overdue_by_month.total_overdue,
        overdue_by_month.overdue_principal,
        overdue_by_month.overdue_principal_31_60,
        overdue_by_month.overdue_principal_61_90,
        overdue_by_month.overdue_principal_91_180,
        overdue_by_month.overdue_principal_over_180,
        overdue_by_month.days_past_due
    from running_totals
    left join overdue_by_month
        on running_totals.account_id = overdue_by_month.account_id
        and running_totals.month_start = overdue_by_month.month_start
    where running_totals.is_account_month
),

settled as (
    -- a settled account reports no arrears (SPEC §5)
    select
        account_id,
        month_start,
        is_closed,
        open_principal,
        net_outstanding,
        installment_count,
        remaining_periods,
        last_payment_date,
        last_payment_amount,
        current_due_amount,
        current_paid_amount,
        has_due_in_month,
        has_late_payoff,
        case when is_closed then 0 else open_principal end / 100.0 as balance,
        case when is_closed then 0 else coalesce(days_past_due, 0) end as days_past_due,
        case when is_closed then 0 else coalesce(overdue_periods, 0) end as overdue_periods,
        case when is_closed then 0 else coalesce(total_overdue, 0) end as total_overdue,
        case when is_closed then 0 else coalesce(overdue_principal, 0) end as overdue_principal,
        case when is_closed then 0 else coalesce(overdue_principal_31_60, 0) end as overdue_principal_31_60,
        case when is_closed then 0 else coalesce(overdue_principal_61_90, 0) end as overdue_principal_61_90,
        case when is_closed then 0 else coalesce(overdue_principal_91_180, 0) end as overdue_principal_91_180,
        case when is_closed then 0 else coalesce(overdue_principal_over_180, 0) end as overdue_principal_over_180
    from accumulated
),

five_tier_classes as (
    -- the policy's ranges resolved once per distinct days_past_due, then an
    -- equality join (a range join over every account-month is far slower)
    select
        distinct_days.days_past_due,
        five_tier_policy.five_tier_class
    from (select distinct days_past_due from settled) as distinct_days
    inner join five_tier_policy
        on distinct_days.days_past_due between five_tier_policy.min_days_past_due and five_tier_policy.max_days_past_due
),

final as (
    -- keyed by account and month only: the account's columns are the
    -- scope's, joined where they are needed (a narrower write and read of
    -- every account-month: BENCHMARKS.md, item 58)
    select
        settled.account_id,
        settled.month_start,
        cast(settled.balance as {{ type_money() }}) as balance,
        cast(settled.days_past_due as integer) as days_past_due,
        cast(settled.overdue_periods as integer) as overdue_periods,
        cast(settled.total_overdue as {{ type_money() }}) as total_overdue,
        cast(settled.overdue_principal as {{ type_money() }}) as overdue_principal,
        cast(settled.overdue_principal_31_60 as {{ type_money() }}) as overdue_principal_31_60,
        cast(settled.overdue_principal_61_90 as {{ type_money() }}) as overdue_principal_61_90,
        cast(settled.overdue_principal_91_180 as {{ type_money() }}) as overdue_principal_91_180,
        cast(settled.overdue_principal_over_180 as {{ type_money() }}) as overdue_principal_over_180,
        cast(settled.current_due_amount as {{ type_money() }}) as current_due_amount,
        cast(settled.current_paid_amount as {{ type_money() }}) as current_paid_amount,
        settled.last_payment_date,
        cast(settled.last_payment_amount as {{ type_money() }}) as last_payment_amount,
        cast(settled.remaining_periods as integer) as remaining_periods,
        cast(settled.installment_count as integer) as installment_count,
        {{ rpy_status('settled.is_closed', 'settled.days_past_due', 'settled.has_late_payoff', 'settled.has_due_in_month') }} as rpy_status,
        case
            when settled.is_closed then '3'
            when settled.days_past_due > 0 then '2'
            else '1'
        end as acct_status,
        five_tier_classes.five_tier_class,
        settled.is_closed and settled.net_outstanding > 1 as is_closed_with_arrears,
        -- the running totals in cents the next incremental build starts from
        cast(settled.open_principal as bigint) as open_principal_cents,
        cast(settled.net_outstanding as bigint) as net_outstanding_cents
    from settled
    left join five_tier_classes
        on settled.days_past_due = five_tier_classes.days_past_due
)

select *, {{ creditmart.row_built_at() }} from final
