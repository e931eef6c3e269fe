{{ config(**creditmart.incremental_by_key(['account_id'], 'row_fingerprint')) }}
-- depends_on: {{ ref('stg_lending__installments') }}

{# Incremental: the accounts whose rows changed, whose D1 installments
    changed (ACC-006) or whose borrower_id appeared or left (ACC-007). #}
with

{% if creditmart.incremental_mode() -%}
affected as materialized (
    select account_id
    from {{ creditmart.changed_rows('stg_lending__accounts') }}

    union

    -- installments matter to D1 accounts only (ACC-006; an R1 statement
    -- changes no account check)
    select account_id
    from {{ creditmart.changed_rows('stg_lending__installments') }}
    where account_id in (
        select account_id from {{ ref('stg_lending__accounts') }} where account_type = 'D1'
    )

    union

    select account_id
    from {{ ref('stg_lending__accounts') }}
    where borrower_id in (
        select borrower_id from {{ creditmart.changed_rows('stg_lending__borrowers') }}
    )
),

{% endif -%}
accounts as (
    select
        row_fingerprint,
        account_id,
        borrower_id,
        account_type,
        business_kind,
        open_date,
        due_date,
        currency,
        loan_amount,
        credit_limit,
        repay_mode,
        repay_frequency,
        guarantee_mode,
        closed_date,
        raw_problems
    from {{ ref('stg_lending__accounts') }} as staged
    {% if creditmart.incremental_mode() -%}
    {{ creditmart.semi_join_keys('affected', 'staged', ['account_id']) }}
    {%- endif %}
),

borrowers as (
    select borrower_id from {{ ref('stg_lending__borrowers') }}
),

installments as (
    select
        account_id,
        scheduled_on,
        principal_due,
        is_chosen_version
    from {{ ref('int_installments_checked') }} as installments_checked
    {% if creditmart.incremental_mode() -%}
    {{ creditmart.semi_join_keys('affected', 'installments_checked', ['account_id']) }}
    {%- endif %}
),

account_types as (
    select code from {{ ref('ref_account_types') }} where is_supported_v1
),

currencies as (
    select code from {{ ref('ref_currencies') }}
),

business_kinds as (
    select code from {{ ref('ref_business_kinds') }}
),

repay_modes as (
    select code from {{ ref('ref_repay_modes') }}
),

repay_frequencies as (
    select code from {{ ref('ref_repay_frequencies') }}
),

guarantee_modes as (
    select code from {{ ref('ref_guarantee_modes') }}
),

known_borrowers as (
    select distinct borrower_id from borrowers where borrower_id is not null
),

versions as (
    {{ deduplicate_versions('accounts', ['account_id']) }}
),

installment_summary as (
    select
        account_id,
        sum(case when is_chosen_version then coalesce(principal_due, 0) else 0 end) as principal_scheduled
    from installments
    group by account_id
),

schedule_dates as (
    select distinct
        account_id,
        scheduled_on
    from installments
    where scheduled_on is not null
),

moved_schedules as (
    select distinct versions.row_fingerprint
    from versions
    inner join schedule_dates
        on versions.account_id = schedule_dates.account_id
    where schedule_dates.scheduled_on <> versions.open_date
),

checked as (
    select
        versions.*,
        versions.raw_problems is not null as fails_raw_001,
        versions.source_row_count > 1 as fails_raw_002,
        account_types.code is null as fails_acc_001,
        currencies.code is null as fails_acc_002,
        case versions.account_type
            when 'D1' then coalesce(versions.loan_amount <= 0, true)
            when 'R1' then coalesce(versions.credit_limit <= 0, true)
            else false
        end as fails_acc_003,
        coalesce(versions.due_date < versions.open_date, false) as fails_acc_004,
        coalesce(versions.closed_date < versions.open_date, false) as fails_acc_005,
        coalesce(versions.account_type = 'D1', false) and (
            installment_summary.account_id is null
            or coalesce(abs(installment_summary.principal_scheduled - versions.loan_amount) > 0.01, false)
            or moved_schedules.row_fingerprint is not null
        ) as fails_acc_006,
        known_borrowers.borrower_id is null as fails_acc_007,
        versions.is_conflicting as fails_acc_009,
        business_kinds.code is null
            or repay_modes.code is null
            or repay_frequencies.code is null
            or guarantee_modes.code is null as fails_acc_010
    from versions
    left join installment_summary
        on versions.account_id = installment_summary.account_id
    left join moved_schedules
        on versions.row_fingerprint = moved_schedules.row_fingerprint
    left join known_borrowers
        on versions.borrower_id = known_borrowers.borrower_id
    left join account_types
        on versions.account_type = account_types.code
    left join currencies
        on versions.currency = currencies.code
    left join business_kinds
        on versions.business_kind = business_kinds.code
    left join repay_modes
        on versions.repay_mode = repay_modes.code
    left join repay_frequencies
        on versions.repay_frequency = repay_frequencies.code
    left join guarantee_modes
        on versions.guarantee_mode = guarantee_modes.code
),

final as (
    select
        row_fingerprint,
        account_id,
        borrower_id,
        account_type,
        business_kind,
        open_date,
        due_date,
        currency,
        loan_amount,
        credit_limit,
        repay_mode,
        repay_frequency,
        guarantee_mode,
        closed_date,
        raw_problems,
        source_row_count,
        is_conflicting,
        is_chosen_version,
        fails_raw_001,
        fails_raw_002,
        fails_acc_001,
        fails_acc_002,
        fails_acc_003,
        fails_acc_004,
        fails_acc_005,
        fails_acc_006,
        fails_acc_007,
        fails_acc_009,
        fails_acc_010
    from checked
)

select *, {{ creditmart.row_built_at() }} from final
{{ creditmart.affected_key_markers('affected', ['account_id']) }}
