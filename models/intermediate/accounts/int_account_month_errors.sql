{#- One row per (account, month, error rule) that applies to the account in
    that month (SPEC §3 rejected, §7 "When a rule applies"). Borrower and
    account rules are static; installment rules apply from the installment's
    month; PER-002, ACC-008, CON-003 and the PRG errors are judged per month. -#}
{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

account_months as (
    select
        scoped.account_id,
        scoped.borrower_id,
        scoped.month_start,
        scoped.month_end
    from {{ creditmart.month_window(ref('int_account_months_scoped'), 'scoped') }}
),

derived as (
    select
        derived_months.account_id,
        derived_months.month_start,
        derived_months.is_closed_with_arrears
    from {{ creditmart.month_window(ref('int_account_months_derived'), 'derived_months') }}
),

borrowers as (
    select * from {{ ref('int_borrowers_checked') }}
),

accounts as (
    select * from {{ ref('int_accounts_checked') }}
),

installments as (
    select * from {{ ref('int_installments_checked') }}
),

progressions as (
    select progressions.*
    from {{ creditmart.month_window(
        ref('int_account_month_progressions'), 'progressions',
        condition="progressions.rule_id in ('PRG-001', 'PRG-003')"
    ) }}
),

consent_events as (
    select
        borrower_id,
        event_month
    from {{ ref('int_consent_events_checked') }}
    where fails_con_003
),

borrower_rules as (
    {{ unpivot_rule_flags('borrowers', 'borrower_id', {
        'RAW-001': 'fails_raw_001', 'ID-001': 'fails_id_001', 'ID-002': 'fails_id_002',
        'ID-003': 'fails_id_003', 'ID-004': 'fails_id_004', 'ID-006': 'fails_id_006',
        'PER-001': 'fails_per_001', 'PER-005': 'fails_per_005'
    }) }}
),

account_rules as (
    {{ unpivot_rule_flags('accounts', 'account_id', {
        'RAW-001': 'fails_raw_001', 'ACC-001': 'fails_acc_001', 'ACC-002': 'fails_acc_002',
        'ACC-003': 'fails_acc_003', 'ACC-004': 'fails_acc_004', 'ACC-005': 'fails_acc_005',
        'ACC-006': 'fails_acc_006', 'ACC-007': 'fails_acc_007', 'ACC-009': 'fails_acc_009',
        'ACC-010': 'fails_acc_010'
    }) }}
),

installment_rules as (
    select account_id, 'INS-001' as rule_id, min(exists_from_month) as from_month
    from installments
    where fails_ins_001
    group by account_id

    union all

    select account_id, 'RAW-001' as rule_id, min(exists_from_month) as from_month
    from installments
    where fails_raw_001
    group by account_id
),

birth_dates as (
    select
        borrower_id,
        birth_date
    from borrowers
),

ambiguous_consent as (
    -- an unparseable event time blocks every month
    select
        borrower_id,
        min(coalesce(event_month, cast('1900-01-01' as date))) as from_month
    from consent_events
    group by borrower_id
),

hits as (
    select account_months.account_id, account_months.month_start, borrower_rules.rule_id
    from account_months
    inner join borrower_rules
        on account_months.borrower_id = borrower_rules.entity_key

    union all

    select account_months.account_id, account_months.month_start, account_rules.rule_id
    from account_months
    inner join account_rules
        on account_months.account_id = account_rules.entity_key

    union all

    select account_months.account_id, account_months.month_start, installment_rules.rule_id
    from account_months
    inner join installment_rules
        on account_months.account_id = installment_rules.account_id
        and account_months.month_start >= installment_rules.from_month

    union all

    select account_months.account_id, account_months.month_start, 'PER-002' as rule_id
    from account_months
    inner join birth_dates
        on account_months.borrower_id = birth_dates.borrower_id
    where birth_dates.birth_date is null
        or birth_dates.birth_date < cast('1901-01-01' as date)
        or birth_dates.birth_date > account_months.month_end

    union all

    select account_id, month_start, 'ACC-008' as rule_id
    from derived
    where is_closed_with_arrears

    union all

    select account_id, month_start, rule_id
    from progressions

    union all

    select account_months.account_id, account_months.month_start, 'CON-003' as rule_id
    from account_months
    inner join ambiguous_consent
        on account_months.borrower_id = ambiguous_consent.borrower_id
        and account_months.month_start >= ambiguous_consent.from_month
),

final as (
    select distinct
        account_id,
        month_start,
        rule_id
    from hits
)

select *, {{ creditmart.row_built_at() }} from final
