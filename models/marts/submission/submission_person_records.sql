{#- Incremental builds rewrite the months from report_layer_start(): a
    borrower's first submitted month is found among the submitted rows of
    the borrowers submitted in those months (an earlier month's record
    depends on no later month). -#}
{{ config(**creditmart.incremental_by_report_month()) }}
-- depends_on: {{ ref('int_account_month_changes') }}
{%- set incremental = creditmart.incremental_mode() %}

with

submitted_account_months as (
    select
        month_start,
        borrower_id
    from {{ ref('fct_account_months') }}
    where outcome = 'submitted'
),

submitted_borrower_months as (
    select distinct
        report_month,
        month_start,
        borrower_id
    from {{ ref('fct_account_months') }}
    where outcome = 'submitted'
    {%- if incremental %}
        and month_start >= date '{{ creditmart.report_layer_start() }}'
    {%- endif %}
),

first_submitted_months as (
    select
        borrower_id,
        min(month_start) as first_submitted_month
    from submitted_account_months
    {%- if incremental %}
    where borrower_id in (select borrower_id from submitted_borrower_months)
    {%- endif %}
    group by borrower_id
),

reporting_months as (
    select * from {{ ref('int_reporting_months') }}
),

borrowers as (
    select
        borrower_id,
        full_name,
        id_type,
        id_number,
        gender,
        birth_date,
        mobile_phone,
        region_code,
        updated_at_local
    from {{ ref('int_borrowers_checked') }}
    where is_chosen_version
),

sequenced as (
    select
        submitted_borrower_months.*,
        first_submitted_months.first_submitted_month
    from submitted_borrower_months
    inner join first_submitted_months
        on submitted_borrower_months.borrower_id = first_submitted_months.borrower_id
),

final as (
    -- SPEC §5: 10 new customer (first month with a submitted account),
    -- 20 identity updated in the month; first-and-updated is 10
    select
        sequenced.report_month,
        sequenced.borrower_id,
        '110' as inf_rec_type,
        borrowers.full_name,
        borrowers.id_type,
        borrowers.id_number,
        '{{ var("org_code") }}' as inf_surc_code,
        reporting_months.month_end as rpt_date,
        case when sequenced.month_start = sequenced.first_submitted_month then '10' else '20' end as rpt_date_code,
        '1' as customer_type,
        borrowers.gender,
        borrowers.birth_date,
        borrowers.mobile_phone,
        borrowers.region_code,
        cast(borrowers.updated_at_local as date) as info_updated_on
    from sequenced
    inner join borrowers
        on sequenced.borrower_id = borrowers.borrower_id
    inner join reporting_months
        on sequenced.report_month = reporting_months.report_month
    where sequenced.month_start = sequenced.first_submitted_month
        or (
            borrowers.updated_at_local >= reporting_months.previous_cutoff_local
            and borrowers.updated_at_local < reporting_months.cutoff_local
        )
)

select * from final
