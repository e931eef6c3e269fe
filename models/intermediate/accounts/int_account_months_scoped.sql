{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}

with

accounts as (
    select
        account_id,
        borrower_id,
        account_type,
        open_date,
        closed_date,
        loan_amount
    from {{ ref('int_accounts_checked') }}
    where is_chosen_version
        and open_date is not null
),

reporting_months as (
    select * from {{ ref('int_reporting_months') }}
),

consent_periods as (
    select * from {{ ref('int_consent_periods') }}
),

in_scope as (
    -- SPEC §3: open_date <= month_end and (closed_date null or >= month_start)
    select
        accounts.account_id,
        accounts.borrower_id,
        accounts.account_type,
        accounts.open_date,
        accounts.closed_date,
        accounts.loan_amount,
        reporting_months.report_month,
        reporting_months.month_start,
        reporting_months.month_end,
        reporting_months.previous_cutoff_local,
        reporting_months.cutoff_local
    from accounts
    inner join reporting_months
        on accounts.open_date <= reporting_months.month_end
        and (accounts.closed_date is null or accounts.closed_date >= reporting_months.month_start)
    {% if creditmart.incremental_mode() -%}
    where {{ creditmart.in_month_window('accounts.account_id', 'reporting_months.month_start') }}
    {%- endif %}
),

final as (
    select
        in_scope.*,
        coalesce(consent_periods.is_consented, false) as is_consented,
        consent_periods.consent_event_id,
        consent_periods.consent_channel,
        consent_periods.consent_policy_version,
        case
            when consent_periods.borrower_id is null then 'NO_CONSENT'
            else consent_periods.exclusion_reason
        end as exclusion_reason
    from in_scope
    left join consent_periods
        on in_scope.borrower_id = consent_periods.borrower_id
        and in_scope.month_start >= consent_periods.valid_from_month
        and (consent_periods.valid_to_month is null or in_scope.month_start < consent_periods.valid_to_month)
)

select * from final
