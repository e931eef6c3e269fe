{{ config(meta={'rule_id': 'CHK-003'}) }}
-- guard: total_overdue >= overdue_principal >= sum of the four buckets >= 0
-- (after an incremental build, the rows it wrote, as the generic tests: macros/build_state.sql)
select
    account_id,
    report_month
from {{ get_where_subquery(ref('fct_account_months')) }}
where outcome = 'submitted'
    and not (
        total_overdue >= overdue_principal
        and overdue_principal >= overdue_principal_31_60 + overdue_principal_61_90
            + overdue_principal_91_180 + overdue_principal_over_180
        and overdue_principal_31_60 >= 0
        and overdue_principal_61_90 >= 0
        and overdue_principal_91_180 >= 0
        and overdue_principal_over_180 >= 0
    )
