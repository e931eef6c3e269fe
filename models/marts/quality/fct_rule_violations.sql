-- the import CTEs are read by several selects, each needing a few columns:
-- not materialized, every select scans only its columns and rows (DuckDB
-- would materialize every column of a CTE read twice; BENCHMARKS.md)
with

borrowers as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_borrowers_checked') }}
),

accounts as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_accounts_checked') }}
),

installments as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_installments_checked') }}
),

payments as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_payments_checked') }}
),

consent_events as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_consent_events_checked') }}
),

negative_notices as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_negative_notices_checked') }}
),

installment_payment_months as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_installment_payment_months') }}
),

account_months as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('fct_account_months') }}
),

account_month_errors as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_account_month_errors') }}
),

progressions as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_account_month_progressions') }}
),

rule_catalogue as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('ref_rule_catalogue') }}
),

reporting_months as {{ creditmart.cte_not_materialized() }} (
    select * from {{ ref('int_reporting_months') }}
),

borrower_rows as (
    {{ violation_rows('borrowers', 'borrower', "coalesce(borrower_id, 'row:' || substr(row_fingerprint, 1, 12))", 'cast(null as ' ~ dbt.type_string() ~ ')', 'borrower_id', {
        'RAW-001': ['fails_raw_001', 'raw_problems'],
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'ID-001': ['fails_id_001', "'id_type not in code list'"],
        'ID-002': ['fails_id_002', "'id_number not 17 digits + digit or X'"],
        'ID-003': ['fails_id_003', "'check character wrong'"],
        'ID-004': ['fails_id_004', "'embedded birth date invalid or differs from birth_date'"],
        'ID-005': ['fails_id_005', "'gender parity differs from id_number'"],
        'ID-006': ['fails_id_006', "'id_number shared with another borrower_id'"],
        'PER-001': ['fails_per_001', "'full_name missing'"],
        'PER-003': ['fails_per_003', "'mobile_phone not a mainland mobile number'"],
        'PER-004': ['fails_per_004', "'region_code not 6 digits'"],
        'PER-005': ['fails_per_005', "'conflicting versions of borrower_id'"]
    }) }}
),

account_rows as (
    {{ violation_rows('accounts', 'account', "coalesce(account_id, 'row:' || substr(row_fingerprint, 1, 12))", 'account_id', 'borrower_id', {
        'RAW-001': ['fails_raw_001', 'raw_problems'],
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'ACC-001': ['fails_acc_001', "'account_type ' || coalesce(account_type, 'missing') || ' not D1/R1'"],
        'ACC-002': ['fails_acc_002', "'currency ' || coalesce(currency, 'missing') || ' not ISO 4217'"],
        'ACC-003': ['fails_acc_003', "'loan_amount/credit_limit missing or not positive'"],
        'ACC-004': ['fails_acc_004', "'due_date before open_date'"],
        'ACC-005': ['fails_acc_005', "'closed_date before open_date'"],
        'ACC-006': ['fails_acc_006', "'D1 schedule missing, not summing to loan_amount, or scheduled after opening'"],
        'ACC-007': ['fails_acc_007', "'borrower_id not found'"],
        'ACC-009': ['fails_acc_009', "'conflicting versions of account_id'"],
        'ACC-010': ['fails_acc_010', "'repay_frequency/repay_mode/guarantee_mode/business_kind not in code list'"]
    }) }}
),

installment_rows as (
    {{ violation_rows('installments', 'installment', "coalesce(account_id, '?') || '#' || coalesce(cast(installment_no as " ~ dbt.type_string() ~ "), '?')", 'account_id', 'cast(null as ' ~ dbt.type_string() ~ ')', {
        'RAW-001': ['fails_raw_001', 'raw_problems'],
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'INS-001': ['fails_ins_001', "case when is_conflicting then 'conflicting versions of the installment' else 'negative amount or due_date before open_date' end"],
        'INS-002': ['fails_ins_002', "'account_id not found'"]
    }) }}
),

payment_rows as (
    {{ violation_rows('payments', 'payment', "coalesce(payment_id, 'row:' || substr(row_fingerprint, 1, 12))", 'account_id', 'cast(null as ' ~ dbt.type_string() ~ ')', {
        'RAW-001': ['fails_raw_001', 'raw_problems'],
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'PAY-001': ['fails_pay_001', "'unknown account or installment'"],
        'PAY-002': ['fails_pay_002', "'amount missing or not positive'"],
        'PAY-004': ['fails_pay_004', "'paid before the account opened'"],
        'PAY-005': ['fails_pay_005', "'conflicting versions of payment_id; all ignored'"]
    }) }}
),

consent_rows as (
    {{ violation_rows('consent_events', 'consent_event', "coalesce(event_id, 'row:' || substr(row_fingerprint, 1, 12))", 'cast(null as ' ~ dbt.type_string() ~ ')', 'borrower_id', {
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'CON-001': ['fails_con_001', "'borrower_id not found; ignored'"],
        'CON-002': ['fails_con_002', "'unknown action or unparseable event_at; ignored'"]
    }) }}
),

notice_rows as (
    {{ violation_rows('negative_notices', 'negative_notice', "coalesce(notice_id, 'row:' || substr(row_fingerprint, 1, 12))", 'account_id', 'cast(null as ' ~ dbt.type_string() ~ ')', {
        'RAW-001': ['fails_raw_001', 'raw_problems'],
        'RAW-002': ['fails_raw_002', "cast(source_row_count as " ~ dbt.type_string() ~ ") || ' identical rows collapsed'"],
        'LEG-002': ['fails_leg_002', "'account_id not found; ignored'"]
    }) }}
),

overpaid_installments as (
    -- PAY-003 judged on the payments before the reporting month's cutoff
    -- (the months of the installment's chosen version; paid_to_date only grows)
    select
        account_id,
        installment_no,
        max(paid_to_date) as paid_to_date,
        max(amount_due) as amount_due
    from installment_payment_months
    where paid_in_month <= {{ reporting_month_start() }}
        and paid_to_date > amount_due
    group by account_id, installment_no
),

overpayment_rows as (
    select
        'PAY-003' as rule_id,
        cast(null as {{ dbt.type_string() }}) as report_month,
        'installment' as entity_type,
        account_id || '#' || cast(installment_no as {{ dbt.type_string() }}) as entity_id,
        account_id,
        cast(null as {{ dbt.type_string() }}) as borrower_id,
        'paid_to_date exceeds amount_due by ' || cast(paid_to_date - amount_due as {{ dbt.type_string() }}) as detail
    from overpaid_installments
),

ambiguous_consent_months as (
    select
        reporting_months.report_month,
        consent_events.borrower_id,
        consent_events.event_id,
        case
            when consent_events.is_conflicting then 'conflicting duplicate'
            when consent_events.event_at_local is null then 'unparseable event_at'
            when consent_events.event_id is null then 'missing event_id'
            else 'unknown action'
        end as problem
    from consent_events
    inner join reporting_months
        on consent_events.event_month is null
        or consent_events.event_month <= reporting_months.month_start
    where consent_events.fails_con_003
),

ambiguous_consent_rows as (
    select
        'CON-003' as rule_id,
        report_month,
        'borrower' as entity_type,
        borrower_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        borrower_id,
        'ambiguous credit_reporting event(s): ' || {{ sorted_string_agg("coalesce(event_id, '?') || ' ' || problem", '; ') }} as detail
    from ambiguous_consent_months
    group by report_month, borrower_id
),

month_rows as (
    select
        account_month_errors.rule_id,
        account_months.report_month,
        case when account_month_errors.rule_id = 'PER-002' then 'borrower' else 'account' end as entity_type,
        case
            when account_month_errors.rule_id = 'PER-002' then account_months.borrower_id
            else account_months.account_id
        end as entity_id,
        case when account_month_errors.rule_id = 'ACC-008' then account_months.account_id end as account_id,
        account_months.borrower_id,
        case
            when account_month_errors.rule_id = 'PER-002' then 'birth_date missing, before 1901-01-01 or after month end'
            else 'closed with money still owed'
        end as detail
    from account_month_errors
    inner join account_months
        on account_month_errors.account_id = account_months.account_id
        and account_month_errors.month_start = account_months.month_start
    where account_month_errors.rule_id in ('PER-002', 'ACC-008')
),

unnoticed_overdue as (
    select
        account_months.report_month,
        account_months.account_id,
        account_months.borrower_id,
        account_months.rpy_status
    from account_months
    inner join reporting_months
        on account_months.report_month = reporting_months.report_month
    left join negative_notices
        on account_months.account_id = negative_notices.account_id
        and negative_notices.is_valid
        and negative_notices.notified_at_local < reporting_months.cutoff_local
    where account_months.outcome = 'submitted'
        and account_months.rpy_status in ('1', '2', '3', '4', '5', '6', '7')
    group by account_months.report_month, account_months.account_id, account_months.borrower_id, account_months.rpy_status
    having count(negative_notices.notice_id) = 0
),

progression_rows as (
    select
        progressions.rule_id,
        account_months.report_month,
        'account' as entity_type,
        account_months.account_id as entity_id,
        account_months.account_id,
        account_months.borrower_id,
        case progressions.rule_id
            when 'PRG-001' then 'account_type, open_date or loan_amount differs from the last furnished record'
            when 'PRG-002' then 'rpy_status worsened by more than one bucket since the last furnished month'
            when 'PRG-003' then 'furnished as closed (C) in an earlier month'
            else 'previous month not furnished (gap)'
        end as detail
    from progressions
    inner join account_months
        on progressions.account_id = account_months.account_id
        and progressions.month_start = account_months.month_start
),

notice_month_rows as (
    select
        'LEG-001' as rule_id,
        report_month,
        'account' as entity_type,
        account_id as entity_id,
        account_id,
        borrower_id,
        'submitted overdue (rpy_status ' || rpy_status || ') without prior negative notice' as detail
    from unnoticed_overdue
),

unioned as (
    select * from borrower_rows
    union all
    select * from account_rows
    union all
    select * from installment_rows
    union all
    select * from payment_rows
    union all
    select * from overpayment_rows
    union all
    select * from consent_rows
    union all
    select * from ambiguous_consent_rows
    union all
    select * from notice_rows
    union all
    select * from month_rows
    union all
    select * from progression_rows
    union all
    select * from notice_month_rows
),

collapsed as (
    -- one row per (rule, month, entity)
    select
        rule_id,
        report_month,
        entity_type,
        entity_id,
        min(account_id) as account_id,
        min(borrower_id) as borrower_id,
        {{ sorted_string_agg('detail', '; ') }} as detail
    from unioned
    group by rule_id, report_month, entity_type, entity_id
),

final as (
    select
        {{ dbt.hash("collapsed.rule_id || '|' || coalesce(collapsed.report_month, '') || '|' || collapsed.entity_type || '|' || collapsed.entity_id") }} as violation_id,
        collapsed.rule_id,
        rule_catalogue.severity,
        collapsed.report_month,
        collapsed.entity_type,
        collapsed.entity_id,
        collapsed.account_id,
        collapsed.borrower_id,
        collapsed.detail
    from collapsed
    inner join rule_catalogue
        on collapsed.rule_id = rule_catalogue.rule_id
)

select * from final
