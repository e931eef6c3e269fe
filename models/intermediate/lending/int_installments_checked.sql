{{ config(**creditmart.incremental_by_key(['account_id', 'installment_no'], 'row_fingerprint', joins_as_written=true)) }}

{# Incremental: only the installment keys whose rows changed, and every
    installment of an account whose rows changed (the open date) and were
    staged before this model's last build: the staged ones, and those that
    left (in the change log with their key). A new account can only settle
    installments that named none (failing INS-002 in this table). #}
with

{% if creditmart.incremental_mode() -%}
changed_accounts as (
    -- a closing alone changes none of their checks
    select account_id from {{ creditmart.changed_account_ids() }}
),

affected as materialized (
    select account_id, installment_no
    from {{ creditmart.changed_rows('stg_lending__installments') }}

    union

    -- (none in a month whose changed accounts are all new)
    select account_id, installment_no
    from {{ ref('stg_lending__installments') }}
    where account_id in (select account_id from {{ creditmart.accounts_staged_before('changed_accounts') }})

    union

    select account_id, installment_no
    from {{ this }}
    where fails_ins_002
        and account_id in (select account_id from changed_accounts)
),

{{ creditmart.older_staged_keys('stg_lending__installments', 'affected', ['account_id', 'installment_no']) }}

{% endif -%}
{%- set installment_columns = ['row_fingerprint', 'account_id', 'installment_no', 'scheduled_on', 'due_date',
                               'principal_due', 'interest_due', 'raw_problems'] %}
installments as (
    {% if creditmart.incremental_mode() -%}
    select * from {{ creditmart.staged_rows_of_keys('stg_lending__installments', 'affected', ['account_id', 'installment_no'], installment_columns) }} as staged
    {%- else -%}
    select {{ installment_columns | join(', ') }}
    from {{ ref('stg_lending__installments') }}
    {%- endif %}
),

accounts as (
    select
        account_id,
        open_date
    from {{ ref('stg_lending__accounts') }}
    {% if creditmart.incremental_mode() -%}
    where account_id in (select account_id from affected)
    {%- endif %}
),

account_open_dates as (
    -- one open date per account id (conflicting account versions: the smallest)
    select
        account_id,
        min(open_date) as open_date
    from accounts
    where account_id is not null
    group by account_id
),

versions as (
    {{ deduplicate_versions('installments', ['account_id', 'installment_no']) }}
),

checked as (
    select
        versions.*,
        account_open_dates.account_id is null as fails_ins_002,
        versions.raw_problems is not null as fails_raw_001,
        versions.source_row_count > 1 as fails_raw_002,
        coalesce(versions.principal_due < 0, false)
            or coalesce(versions.interest_due < 0, false)
            or coalesce(versions.due_date < account_open_dates.open_date, false)
            or versions.is_conflicting as fails_ins_001,
        {{ month_start('coalesce(versions.scheduled_on, account_open_dates.open_date)') }} as exists_from_month
    from versions
    left join account_open_dates
        on versions.account_id = account_open_dates.account_id
),

final as (
    select
        row_fingerprint,
        account_id,
        installment_no,
        scheduled_on,
        due_date,
        principal_due,
        interest_due,
        coalesce(principal_due, 0) + coalesce(interest_due, 0) as amount_due,
        exists_from_month,
        raw_problems,
        source_row_count,
        is_conflicting,
        is_chosen_version,
        fails_raw_001,
        fails_raw_002,
        fails_ins_001,
        fails_ins_002
    from checked
)

select *, {{ creditmart.row_built_at() }} from final
{{ creditmart.replaced_key_markers('stg_lending__installments', ['account_id', 'installment_no']) }}
