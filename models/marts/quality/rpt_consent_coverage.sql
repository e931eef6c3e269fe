{{ config(**creditmart.incremental_by_report_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

account_months as (
    select
        report_month,
        account_id,
        borrower_id,
        outcome,
        balance
    from {{ ref('fct_account_months') }}
    {% if creditmart.incremental_mode() -%}
    where month_start >= date '{{ creditmart.report_layer_start() }}'
    {%- endif %}
),

consent as (
    select
        account_id,
        report_month,
        is_consented,
        consent_channel,
        consent_policy_version
    from {{ ref('int_account_months_scoped') }}
    {% if creditmart.incremental_mode() -%}
    where month_start >= date '{{ creditmart.report_layer_start() }}'
    {%- endif %}
),

borrower_months as (
    -- one row per in-scope borrower and month; consent is per borrower
    select
        account_months.report_month,
        account_months.borrower_id,
        max(case when consent.is_consented then 1 else 0 end) = 1 as is_consented,
        max(consent.consent_channel) as consent_channel,
        max(consent.consent_policy_version) as consent_policy_version,
        sum(account_months.balance) as in_scope_balance,
        sum(case when account_months.outcome = 'submitted' then account_months.balance else 0 end) as submitted_balance
    from account_months
    inner join consent
        on account_months.account_id = consent.account_id
        and account_months.report_month = consent.report_month
    group by account_months.report_month, account_months.borrower_id
),

month_totals as (
    select
        report_month,
        count(*) as borrowers_in_scope,
        sum(in_scope_balance) as in_scope_balance
    from borrower_months
    group by report_month
),

by_dimension as (
    select report_month, 'overall' as dimension, 'all' as dimension_value, borrower_id, is_consented, submitted_balance
    from borrower_months

    union all

    select report_month, 'channel', consent_channel, borrower_id, is_consented, submitted_balance
    from borrower_months
    where is_consented

    union all

    select report_month, 'policy_version', consent_policy_version, borrower_id, is_consented, submitted_balance
    from borrower_months
    where is_consented
),

aggregated as (
    select
        report_month,
        dimension,
        coalesce(dimension_value, '(missing)') as dimension_value,
        sum(case when is_consented then 1 else 0 end) as consented_borrowers,
        sum(submitted_balance) as submitted_balance
    from by_dimension
    group by report_month, dimension, coalesce(dimension_value, '(missing)')
),

final as (
    select
        aggregated.report_month,
        aggregated.dimension,
        aggregated.dimension_value,
        cast(month_totals.borrowers_in_scope as bigint) as borrowers_in_scope,
        cast(aggregated.consented_borrowers as bigint) as consented_borrowers,
        cast(aggregated.consented_borrowers * 1.0 / month_totals.borrowers_in_scope as decimal(9, 6)) as coverage_ratio,
        cast(aggregated.submitted_balance as {{ type_money() }}) as submitted_balance,
        cast(month_totals.in_scope_balance as {{ type_money() }}) as in_scope_balance,
        cast(
            case
                when month_totals.in_scope_balance > 0
                    then aggregated.submitted_balance * 1.0 / month_totals.in_scope_balance
            end as decimal(9, 6)
        ) as submitted_balance_ratio
    from aggregated
    inner join month_totals
        on aggregated.report_month = month_totals.report_month
)

select * from final
