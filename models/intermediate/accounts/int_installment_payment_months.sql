{{ config(**creditmart.incremental_by_key(['account_id', 'installment_no'], 'paid_to_date')) }}
-- depends_on: {{ ref('stg_lending__accounts') }}
-- depends_on: {{ ref('stg_lending__installments') }}
-- depends_on: {{ ref('stg_lending__payments') }}

with

{% if creditmart.incremental_mode() -%}
{{ creditmart.affected_installment_keys() }}

{% endif -%}
installments as (
    select
        account_id,
        installment_no,
        interest_due,
        principal_due,
        amount_due,
        exists_from_month
    from {{ ref('int_installments_checked') }} as installments_checked
    {% if creditmart.incremental_mode() -%}
    {{ creditmart.semi_join_keys('affected', 'installments_checked', ['account_id', 'installment_no']) }}
    {%- endif %}
    where is_chosen_version
        and not fails_ins_002
        and installment_no is not null
),

payments as (
    select
        payment_id,
        account_id,
        installment_no,
        paid_at_local,
        paid_on_local,
        paid_in_month,
        amount
    from {{ ref('int_payments_checked') }} as payments_checked
    {% if creditmart.incremental_mode() -%}
    {{ creditmart.semi_join_keys('affected', 'payments_checked', ['account_id', 'installment_no']) }}
    {%- endif %}
    where is_valid
),

monthly as (
    select
        account_id,
        installment_no,
        paid_in_month,
        sum(amount) as paid_in_month_amount,
        min(paid_on_local) as first_paid_on,
        max(paid_on_local) as last_paid_on
    from payments
    group by account_id, installment_no, paid_in_month
),

accumulated as (
    select
        monthly.account_id,
        monthly.installment_no,
        monthly.paid_in_month,
        monthly.paid_in_month_amount,
        monthly.first_paid_on,
        monthly.last_paid_on,
        lead(monthly.paid_in_month) over installment_window as next_paid_in_month,
        lag(monthly.paid_in_month) over installment_window is not null as has_earlier_payment,
        sum(monthly.paid_in_month_amount) over (
            partition by monthly.account_id, monthly.installment_no
            order by monthly.paid_in_month
            rows between unbounded preceding and current row
        ) as paid_to_date,
        installments.interest_due,
        installments.principal_due,
        installments.amount_due,
        installments.exists_from_month
    from monthly
    inner join installments
        on monthly.account_id = installments.account_id
        and monthly.installment_no = installments.installment_no
    window installment_window as (partition by monthly.account_id, monthly.installment_no order by monthly.paid_in_month)
),

allocated as (
    -- SPEC §5: interest first, then principal
    select
        *,
        {{ principal_paid('paid_to_date', 'interest_due', 'principal_due') }} as principal_paid_to_date,
        -- the month paid_to_date reaches amount_due (valid payments are
        -- positive, so it rises in every month and reaches it once)
        amount_due > 0
            and paid_to_date >= amount_due
            and paid_to_date - paid_in_month_amount < amount_due as is_payoff_month
    from accumulated
),

multi_day_payoffs as (
    -- SPEC §5 fully_paid_on: the local date of the payment that brought
    -- paid_to_date to >= amount_due. In a payoff month with payments on one
    -- day only it is that day; the others (rare) follow the month's payments
    -- in order (BENCHMARKS.md, item 59)
    select
        account_id,
        installment_no,
        min(paid_on_local) as fully_paid_on
    from (
        select
            payments.account_id,
            payments.installment_no,
            payments.paid_on_local,
            payoff_months.amount_due,
            payoff_months.paid_before_month + sum(payments.amount) over (
                partition by payments.account_id, payments.installment_no
                order by payments.paid_at_local, payments.payment_id
                rows between unbounded preceding and current row
            ) as paid_to_date
        from payments
        inner join (
            select
                account_id,
                installment_no,
                paid_in_month,
                amount_due,
                paid_to_date - paid_in_month_amount as paid_before_month
            from allocated
            where is_payoff_month
                and first_paid_on < last_paid_on
        ) as payoff_months
            on payments.account_id = payoff_months.account_id
            and payments.installment_no = payoff_months.installment_no
            and payments.paid_in_month = payoff_months.paid_in_month
    ) as running
    where paid_to_date >= amount_due
    group by account_id, installment_no
),

final as (
    select
        allocated.account_id,
        allocated.installment_no,
        allocated.paid_in_month,
        next_paid_in_month,
        paid_in_month_amount,
        paid_to_date,
        -- PAY-003 (fct_rule_violations) without joining the installments again
        amount_due,
        principal_paid_to_date,
        -- the change since the installment's previous payment month, whose
        -- paid-to-date is this one's less this month's payments (no second
        -- window over the rows: BENCHMARKS.md, item 59)
        principal_paid_to_date - case
            when has_earlier_payment
                then {{ principal_paid('paid_to_date - paid_in_month_amount', 'interest_due', 'principal_due') }}
            else 0
        end as principal_paid_change,
        -- in the row of the month the installment was paid off (int_installment_payoffs)
        case
            when is_payoff_month then coalesce(multi_day_payoffs.fully_paid_on, allocated.first_paid_on)
        end as fully_paid_on,
        -- the installment's first month (the derivations count the payment
        -- from the later of the two without reading the installments)
        exists_from_month
    from allocated
    left join multi_day_payoffs
        on allocated.account_id = multi_day_payoffs.account_id
        and allocated.installment_no = multi_day_payoffs.installment_no
)

select *, {{ creditmart.row_built_at() }} from final
{{ creditmart.affected_key_markers('affected', ['account_id', 'installment_no']) }}
