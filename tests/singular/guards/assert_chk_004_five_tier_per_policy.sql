{{ config(meta={'rule_id': 'CHK-004', 'dagster': {'ref': {'name': 'fct_account_months'}}}) }}
-- guard: five_tier_class agrees with days_past_due per the policy seed
-- (after an incremental build, the rows it wrote, as the generic tests: macros/build_state.sql)
with

account_months as (
    select
        account_id,
        report_month,
        days_past_due,
        five_tier_class
    from {{ get_where_subquery(ref('fct_account_months')) }}
    where outcome = 'submitted'
),

policy as (
    select * from {{ ref('ref_five_tier_policy') }}
)

select
    account_months.account_id,
    account_months.report_month
from account_months
left join policy
    on account_months.days_past_due between policy.min_days_past_due and policy.max_days_past_due
where policy.five_tier_class is null
    or policy.five_tier_class <> account_months.five_tier_class
