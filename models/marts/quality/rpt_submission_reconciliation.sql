{{ config(**creditmart.incremental_by_report_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

reporting_months as (
    select report_month from {{ ref('int_reporting_months') }}
    {% if creditmart.incremental_mode() -%}
    where month_start >= date '{{ creditmart.report_layer_start() }}'
    {%- endif %}
),

account_months as (
    select
        report_month,
        outcome,
        outcome_reasons,
        balance
    from {{ ref('fct_account_months') }}
    {% if creditmart.incremental_mode() -%}
    where month_start >= date '{{ creditmart.report_layer_start() }}'
    {%- endif %}
),

by_month as (
    select
        report_month,
        count(*) as in_scope,
        sum(case when outcome = 'submitted' then 1 else 0 end) as submitted,
        sum(case when outcome = 'excluded' and outcome_reasons = 'NO_CONSENT' then 1 else 0 end) as excluded_no_consent,
        sum(case when outcome = 'excluded' and outcome_reasons = 'CONSENT_WITHDRAWN' then 1 else 0 end) as excluded_withdrawn,
        sum(case when outcome = 'rejected' then 1 else 0 end) as rejected,
        sum(balance) as in_scope_balance,
        sum(case when outcome = 'submitted' then balance else 0 end) as submitted_balance,
        sum(case when outcome = 'excluded' and outcome_reasons = 'NO_CONSENT' then balance else 0 end) as excluded_no_consent_balance,
        sum(case when outcome = 'excluded' and outcome_reasons = 'CONSENT_WITHDRAWN' then balance else 0 end) as excluded_withdrawn_balance,
        sum(case when outcome = 'rejected' then balance else 0 end) as rejected_balance
    from account_months
    group by report_month
),

filled as (
    select
        reporting_months.report_month,
        cast(coalesce(by_month.in_scope, 0) as bigint) as in_scope,
        cast(coalesce(by_month.submitted, 0) as bigint) as submitted,
        cast(coalesce(by_month.excluded_no_consent, 0) as bigint) as excluded_no_consent,
        cast(coalesce(by_month.excluded_withdrawn, 0) as bigint) as excluded_withdrawn,
        cast(coalesce(by_month.rejected, 0) as bigint) as rejected,
        cast(coalesce(by_month.in_scope_balance, 0) as {{ type_money() }}) as in_scope_balance,
        cast(coalesce(by_month.submitted_balance, 0) as {{ type_money() }}) as submitted_balance,
        cast(coalesce(by_month.excluded_no_consent_balance, 0) as {{ type_money() }}) as excluded_no_consent_balance,
        cast(coalesce(by_month.excluded_withdrawn_balance, 0) as {{ type_money() }}) as excluded_withdrawn_balance,
        cast(coalesce(by_month.rejected_balance, 0) as {{ type_money() }}) as rejected_balance
    from reporting_months
    left join by_month
        on reporting_months.report_month = by_month.report_month
),

final as (
    select
        *,
        in_scope = submitted + excluded_no_consent + excluded_withdrawn + rejected
            and in_scope_balance = submitted_balance + excluded_no_consent_balance + excluded_withdrawn_balance + rejected_balance
            as balanced
    from filled
)

select * from final
