{{ config(meta={'rule_id': 'CHK-001'}) }}
-- guard: rpy_status C <=> acct_status 3; closed => balance 0 (submitted rows)
select
    account_id,
    report_month
from {{ ref('fct_account_months') }}
where outcome = 'submitted'
    and (
        (rpy_status = 'C') <> (acct_status = '3')
        or (acct_status = '3' and balance <> 0)
    )
