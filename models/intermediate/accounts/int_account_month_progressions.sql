{#- PRG-001..004 (RULES.md): each in-scope account-month compared with what
    the furnished-state ledger says was furnished for the account in earlier
    months. Before any furnishing the ledger is empty and nothing fires. -#}
{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

account_months as (
    select
        scoped.account_id,
        scoped.account_type,
        scoped.open_date,
        scoped.loan_amount,
        scoped.month_start
    from {{ creditmart.month_window(ref('int_account_months_scoped'), 'scoped') }}
),

derived as (
    select
        derived_months.account_id,
        derived_months.month_start,
        derived_months.rpy_status
    from {{ creditmart.month_window(ref('int_account_months_derived'), 'derived_months') }}
),

furnished as (
    select
        account_id,
        month_start,
        account_type,
        open_date,
        loan_amount,
        rpy_status
    from {{ ref('stg_ledger__furnished_account_records') }}
),

earlier_furnished as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.account_type,
        account_months.open_date,
        account_months.loan_amount,
        furnished.month_start as furnished_month,
        furnished.account_type as furnished_account_type,
        furnished.open_date as furnished_open_date,
        furnished.loan_amount as furnished_loan_amount,
        furnished.rpy_status as furnished_rpy_status,
        row_number() over (
            partition by account_months.account_id, account_months.month_start
            order by furnished.month_start desc
        ) as recency
    from account_months
    inner join furnished
        on account_months.account_id = furnished.account_id
        and furnished.month_start < account_months.month_start
),

summary as (
    select
        account_id,
        month_start,
        max(case when furnished_rpy_status = 'C' then 1 else 0 end) = 1 as was_furnished_closed,
        max(case when furnished_month = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date) then 1 else 0 end) = 1
            as was_previous_month_furnished
    from earlier_furnished
    group by account_id, month_start
),

latest as (
    select
        earlier_furnished.*,
        derived.rpy_status,
        summary.was_furnished_closed,
        summary.was_previous_month_furnished
    from earlier_furnished
    inner join summary
        on earlier_furnished.account_id = summary.account_id
        and earlier_furnished.month_start = summary.month_start
    inner join derived
        on earlier_furnished.account_id = derived.account_id
        and earlier_furnished.month_start = derived.month_start
    where earlier_furnished.recency = 1
),

hits as (
    select account_id, month_start, 'PRG-001' as rule_id
    from latest
    where account_type is distinct from furnished_account_type
        or open_date is distinct from furnished_open_date
        or loan_amount is distinct from furnished_loan_amount

    union all

    select account_id, month_start, 'PRG-002' as rule_id
    from latest
    where {{ overdue_level('rpy_status') }} - {{ overdue_level('furnished_rpy_status') }} > 1

    union all

    select account_id, month_start, 'PRG-003' as rule_id
    from latest
    where was_furnished_closed

    union all

    select account_id, month_start, 'PRG-004' as rule_id
    from latest
    where not was_previous_month_furnished
),

final as (
    select
        account_id,
        month_start,
        rule_id
    from hits
)

select *, {{ creditmart.row_built_at() }} from final
