{{ config(**creditmart.incremental_by_key(['account_id', 'installment_no'], 'fully_paid_on')) }}
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
        amount_due
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
        amount
    from {{ ref('int_payments_checked') }} as payments_checked
    {% if creditmart.incremental_mode() -%}
    {{ creditmart.semi_join_keys('affected', 'payments_checked', ['account_id', 'installment_no']) }}
    {%- endif %}
    where is_valid
),

running as (
    select
        payments.account_id,
        payments.installment_no,
        payments.paid_on_local,
        installments.amount_due,
        sum(payments.amount) over (
            partition by payments.account_id, payments.installment_no
            order by payments.paid_at_local, payments.payment_id
            rows between unbounded preceding and current row
        ) as paid_to_date
    from payments
    inner join installments
        on payments.account_id = installments.account_id
        and payments.installment_no = installments.installment_no
),

final as (
    -- SPEC §5 fully_paid_on: local date of the payment that brought
    -- paid_to_date to >= amount_due; null for an installment due nothing.
    select
        account_id,
        installment_no,
        min(paid_on_local) as fully_paid_on
    from running
    where amount_due > 0
        and paid_to_date >= amount_due
    group by account_id, installment_no
)

select * from final
{{ creditmart.affected_key_markers('affected', ['account_id', 'installment_no']) }}
