{{ config(**creditmart.incremental_by_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}
{% set incremental = creditmart.incremental_mode() -%}
{% if incremental -%}
{% set window_start = "date '" ~ creditmart.month_layer_start() ~ "'" -%}
{% endif -%}

with

accounts as (
    select
        checked.account_id,
        checked.borrower_id,
        checked.account_type,
        checked.open_date,
        checked.closed_date,
        checked.loan_amount,
        -- the first month built here: every month in a full build; in an
        -- incremental one the new months, earlier for a changed account
        {% if incremental -%}
        least(coalesce(changed_accounts.from_month, {{ window_start }}), {{ window_start }}) as window_from
        {%- else -%}
        cast('1900-01-01' as date) as window_from
        {%- endif %}
    from {{ ref('int_accounts_checked') }} as checked
    {% if incremental -%}
    left join {{ ref('int_account_month_changes') }} as changed_accounts
        on checked.account_id = changed_accounts.account_id
    {% endif -%}
    where checked.is_chosen_version
        and checked.open_date is not null
),

reporting_months as (
    select * from {{ ref('int_reporting_months') }}
    {% if incremental -%}
    -- the months some account is built from on: the range join below then
    -- pairs a month's accounts with the new month alone, not every month
    -- (BENCHMARKS.md, item 71)
    where month_start >= (
        select least(coalesce(min(from_month), {{ window_start }}), {{ window_start }})
        from {{ ref('int_account_month_changes') }}
    )
    {%- endif %}
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
        -- point in time: known from the month of the closing on, so a
        -- closing changes no earlier month of the account
        case when accounts.closed_date <= reporting_months.month_end then accounts.closed_date end as closed_date,
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
        and reporting_months.month_start >= accounts.window_from
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

select *, {{ creditmart.row_built_at() }} from final
