{{ config(meta={'rule_id': 'CHK-001'}) }}
-- guard: rpy_status C <=> acct_status 3; closed => balance 0 (submitted rows)
-- (after an incremental build, the rows it wrote, as the generic tests: macros/build_state.sql)
select
    account_id,
    report_month
from {{ get_where_subquery(ref('fct_account_months')) }}
where outcome = 'submitted'
    and (
        (rpy_status = 'C') <> (acct_status = '3')
        or (acct_status = '3' and balance <> 0)
    )
