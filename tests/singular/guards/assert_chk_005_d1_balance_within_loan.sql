{{ config(meta={'rule_id': 'CHK-005'}) }}
-- guard: D1 balance <= loan_amount (0.01 tolerance, as ACC-006)
-- (after an incremental build, the rows it wrote, as the generic tests: macros/build_state.sql)
select
    account_id,
    report_month
from {{ get_where_subquery(ref('submission_account_records')) }}
where account_type = 'D1'
    and balance > loan_amount + 0.01
