{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}
{% set incremental = creditmart.incremental_mode() -%}
{% if incremental -%}
{% set window_start = creditmart.month_layer_start() -%}
{% set month_before = "cast(" ~ dbt.dateadd('month', -1, "date '" ~ window_start ~ "'") ~ " as date)" -%}
{% endif -%}

{#- An overdue window is one run of months, so in an incremental build an
    installment of an unchanged account can be overdue in the new months
    only if it was overdue in the month before them, falls due or comes
    into existence since; the others (paid off) are not read again. #}
with

{% if incremental -%}
overdue_before as (
    select distinct
        account_id,
        installment_no
    from {{ this }}
    where month_start = {{ month_before }}
),

{% endif -%}
installments as (
    select
        installments_checked.account_id,
        installments_checked.installment_no,
        installments_checked.due_date,
        installments_checked.principal_due,
        installments_checked.interest_due,
        installments_checked.amount_due,
        installments_checked.exists_from_month
    from {{ ref('int_installments_checked') }} as installments_checked
    {% if incremental -%}
    left join overdue_before
        on installments_checked.account_id = overdue_before.account_id
        and installments_checked.installment_no is not distinct from overdue_before.installment_no
    left join {{ ref('int_account_month_changes') }} as changed_accounts
        on installments_checked.account_id = changed_accounts.account_id
    {% endif -%}
    where installments_checked.is_chosen_version
        and not installments_checked.fails_ins_002
        and installments_checked.due_date is not null
        and installments_checked.exists_from_month is not null
        and installments_checked.amount_due > 0
        -- due after the reporting month: overdue in no month built here
        and installments_checked.due_date < cast({{ dbt.dateadd('month', 1, reporting_month_start()) }} as date)
        {% if incremental -%}
        and (
            overdue_before.account_id is not null
            or changed_accounts.account_id is not null
            or installments_checked.due_date >= {{ month_before }}
            or installments_checked.exists_from_month >= date '{{ window_start }}'
        )
        {%- endif %}
),

payment_months as (
    select
        account_id,
        installment_no,
        paid_in_month,
        next_paid_in_month,
        paid_to_date,
        fully_paid_on
    from {{ ref('int_installment_payment_months') }} as installment_payment_months
    {% if incremental -%}
    semi join installments
        on installment_payment_months.account_id = installments.account_id
        and installment_payment_months.installment_no = installments.installment_no
    {%- endif %}
),

payoffs as (
    -- int_installment_payoffs: the payoff month's row of the payment months
    -- (incremental: of those read above, so the installments' payment months
    -- are looked up once, not twice)
    select
        account_id,
        installment_no,
        fully_paid_on
    {% if incremental -%}
    from payment_months
    {%- else -%}
    from {{ ref('int_installment_payoffs') }}
    {%- endif %}
    where fully_paid_on is not null
),

reporting_months as (
    select
        report_month,
        month_start,
        month_end
    from {{ ref('int_reporting_months') }}
),

overdue_windows as (
    -- overdue from the first month whose month_end is after due_date, until
    -- the month in which paid_to_date reaches amount_due (exclusive)
    select
        installments.*,
        greatest(
            installments.exists_from_month,
            case
                when installments.due_date < {{ dbt.last_day('installments.due_date', 'month') }}
                    then {{ month_start('installments.due_date') }}
                else cast({{ dbt.dateadd('month', 1, month_start('installments.due_date')) }} as date)
            end
        ) as overdue_from_month,
        {{ month_start('payoffs.fully_paid_on') }} as overdue_until_month,
        -- the first month built here (see int_account_months_scoped)
        {% if incremental -%}
        least(coalesce(changed_accounts.from_month, date '{{ creditmart.month_layer_start() }}'),
              date '{{ creditmart.month_layer_start() }}') as window_from
        {%- else -%}
        cast('1900-01-01' as date) as window_from
        {%- endif %}
    from installments
    left join payoffs
        on installments.account_id = payoffs.account_id
        and installments.installment_no is not distinct from payoffs.installment_no
    {% if incremental -%}
    left join {{ ref('int_account_month_changes') }} as changed_accounts
        on installments.account_id = changed_accounts.account_id
    {%- endif %}
),

overdue_months as (
    select
        overdue_windows.*,
        reporting_months.report_month,
        reporting_months.month_start,
        reporting_months.month_end
    from overdue_windows
    inner join reporting_months
        on reporting_months.month_start >= overdue_windows.overdue_from_month
        and (
            overdue_windows.overdue_until_month is null
            or reporting_months.month_start < overdue_windows.overdue_until_month
        )
        and reporting_months.month_start >= overdue_windows.window_from
),

with_paid as (
    select
        overdue_months.*,
        coalesce(payment_months.paid_to_date, 0) as paid_to_date
    from overdue_months
    left join payment_months
        on overdue_months.account_id = payment_months.account_id
        and overdue_months.installment_no = payment_months.installment_no
        and payment_months.paid_in_month <= overdue_months.month_start
        and (payment_months.next_paid_in_month is null or overdue_months.month_start < payment_months.next_paid_in_month)
),

final as (
    select
        account_id,
        installment_no,
        report_month,
        month_start,
        due_date,
        {{ dbt.datediff('due_date', 'month_end', 'day') }} as days_overdue,
        amount_due - paid_to_date as overdue_amount,
        coalesce(principal_due, 0) - {{ principal_paid('paid_to_date', 'interest_due', 'principal_due') }} as overdue_principal
    from with_paid
)

select *, {{ creditmart.row_built_at() }} from final
