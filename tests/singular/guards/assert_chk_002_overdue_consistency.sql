{{ config(meta={'rule_id': 'CHK-002'}) }}
-- guard: days_past_due > 0 <=> overdue_periods > 0 <=> total_overdue > 0 <=> rpy_status in 1-7
-- (after an incremental build, the rows it wrote, as the generic tests: macros/build_state.sql)
select
    account_id,
    report_month
from {{ get_where_subquery(ref('fct_account_months')) }}
where outcome = 'submitted'
    and not (
        (days_past_due > 0) = (overdue_periods > 0)
        and (overdue_periods > 0) = (total_overdue > 0)
        and (total_overdue > 0) = (rpy_status in ('1', '2', '3', '4', '5', '6', '7'))
    )
