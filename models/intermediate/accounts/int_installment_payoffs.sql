{{ config(materialized='view') }}

-- fully_paid_on is computed with the payment months (one pass over an
-- installment's payments, recomputed for the same keys): BENCHMARKS.md, item 15
select
    account_id,
    installment_no,
    fully_paid_on,
    row_built_at
from {{ ref('int_installment_payment_months') }}
where fully_paid_on is not null
