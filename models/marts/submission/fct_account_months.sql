{#- Incremental builds recompute the window of int_account_month_changes;
    the repayment history and the first submitted month continue from the
    account's row of the month before the window. -#}
{{ config(**creditmart.incremental_by_month({'on_schema_change': 'fail'})) }}
-- depends_on: {{ ref('int_account_month_changes') }}
{%- set incremental = creditmart.incremental_mode() %}
{%- set one_new_month = creditmart.builds_one_new_month() %}

with

account_months as (
    select scoped.* from {{ creditmart.month_window(ref('int_account_months_scoped'), 'scoped') }}
),

derived as (
    select derived_months.* from {{ creditmart.month_window(ref('int_account_months_derived'), 'derived_months') }}
),

errors as (
    select month_errors.* from {{ creditmart.month_window(ref('int_account_month_errors'), 'month_errors') }}
),

previous_months as (
    -- the account's row of the month before the recomputed ones
    {% if incremental -%}
    select
        built.account_id,
        built.repayment_history_24m as previous_history,
        built.first_submitted_month as previous_first_submitted_month
    from {{ this }} as built
    inner join {{ creditmart.replaced_from_months('account_months') }} as replaced
        on built.account_id = replaced.account_id
        and built.month_start = cast({{ dbt.dateadd('month', -1, 'replaced.replaced_from') }} as date)
    {%- else -%}
    select
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as previous_history,
        cast(null as date) as previous_first_submitted_month
    where false
    {%- endif %}
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
        -- the account's columns (not repeated in the derivations)
        account_months.report_month,
        account_months.month_end,
        account_months.borrower_id,
        account_months.account_type,
        account_months.open_date,
        account_months.closed_date,
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
    {%- set submitted_month = "case when outcomes.outcome = 'submitted' then derived.month_start end" %}
    {%- for windowed in ([true, false] if one_new_month else [true]) %}
    {%- if not windowed %}

    union all

    -- the accounts with only the new month to build: its own status and
    -- submission after the previous row's, no window (builds_one_new_month())
    {%- endif %}
    select
        derived.*,
        outcomes.report_month,
        outcomes.month_end,
        outcomes.borrower_id,
        outcomes.account_type,
        outcomes.open_date,
        outcomes.closed_date,
        outcomes.outcome,
        outcomes.outcome_reasons,
        outcomes.consent_event_id,
        least(
            previous_months.previous_first_submitted_month,
            {% if windowed -%}
            min({{ submitted_month }}) over (
                partition by derived.account_id
                order by derived.month_start
                rows between unbounded preceding and current row
            )
            {%- else -%}
            {{ submitted_month }}
            {%- endif %}
        ) as first_submitted_month,
        previous_months.previous_history,
        {% if windowed -%}
        {{ recent_statuses('derived.rpy_status', 'derived.account_id', 'derived.month_start', 24) }}
        {%- else -%}
        coalesce(derived.rpy_status, '')
        {%- endif %} as recent_statuses
    from derived
    inner join outcomes
        on derived.account_id = outcomes.account_id
        and derived.month_start = outcomes.month_start
    left join previous_months
        on derived.account_id = previous_months.account_id
    {%- if one_new_month %}
    -- the changed accounts through the window (none in a month without late
    -- changes), the others not
    {{ 'semi' if windowed else 'anti' }} join {{ ref('int_account_month_changes') }} as changed_accounts
        on derived.account_id = changed_accounts.account_id
    {%- endif %}
    {%- endfor %}
),

with_history as (
    select
        *,
        {{ repayment_history('recent_statuses', 'previous_history', 24) }} as repayment_history_24m
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
        consent_event_id,
        first_submitted_month
    from with_history
)

select * from final
