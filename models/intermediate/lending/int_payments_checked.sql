{{ config(**creditmart.incremental_by_key(['payment_id'], 'row_fingerprint', joins_as_written=true)) }}
-- depends_on: {{ ref('stg_lending__accounts') }}
-- depends_on: {{ ref('stg_lending__installments') }}

{# Incremental: every version of a payment_id whose rows changed, and the
    payments an account or installment change can judge differently
    (PAY-001, PAY-004 read them): every staged payment of an account staged
    before this model's last build, or of an installment key with rows that
    left; a new account or installment key can only settle a payment that
    named none (failing PAY-001 in this table). #}
with

{% if creditmart.incremental_mode() -%}
changed_accounts as (
    -- a closing alone changes none of their checks
    select account_id from {{ creditmart.changed_account_ids() }}
),

changed_accounts_staged_before as (
    select account_id from {{ creditmart.accounts_staged_before('changed_accounts') }}
),

arrived_installments as (
    select distinct account_id, installment_no
    from {{ creditmart.changed_rows('stg_lending__installments') }}
    where change = 'arrived'
),

departed_installments as (
    select distinct account_id, installment_no
    from {{ creditmart.changed_rows('stg_lending__installments') }}
    where change = 'departed'
),

named_nothing as (
    select payment_id, account_id, installment_no
    from {{ this }}
    where fails_pay_001
),

affected as materialized (
    select payment_id
    from {{ creditmart.changed_rows('stg_lending__payments') }}

    union

    -- (none in a month whose changed accounts are all new: a semi join
    -- with nothing to build reads nothing)
    select staged.payment_id
    from {{ ref('stg_lending__payments') }} as staged
    where staged.account_id in (select account_id from changed_accounts_staged_before)

    union

    select staged.payment_id
    from {{ ref('stg_lending__payments') }} as staged
    semi join departed_installments
        on staged.account_id = departed_installments.account_id
        and staged.installment_no = departed_installments.installment_no

    union

    select payment_id
    from named_nothing
    where account_id in (select account_id from changed_accounts)

    union

    select named_nothing.payment_id
    from named_nothing
    semi join arrived_installments
        on named_nothing.account_id = arrived_installments.account_id
        and named_nothing.installment_no = arrived_installments.installment_no
),

{{ creditmart.older_staged_keys('stg_lending__payments', 'affected', ['payment_id']) }}

{% endif -%}
{%- set payment_columns = ['row_fingerprint', 'payment_id', 'account_id', 'installment_no', 'paid_at_local',
                           'paid_on_local', 'amount', 'raw_problems'] %}
payments as (
    {% if creditmart.incremental_mode() -%}
    select * from {{ creditmart.staged_rows_of_keys('stg_lending__payments', 'affected', ['payment_id'], payment_columns) }} as staged
    {%- else -%}
    select {{ payment_columns | join(', ') }}
    from {{ ref('stg_lending__payments') }}
    {%- endif %}
),

accounts as (
    select
        account_id,
        open_date,
        is_chosen_version
    from {{ ref('int_accounts_checked') }}
    {% if creditmart.incremental_mode() -%}
    where account_id in (select account_id from payments)
    {%- endif %}
),

installments as (
    select
        account_id,
        installment_no
    from {{ ref('int_installments_checked') }} as installments_checked
    {% if creditmart.incremental_mode() -%}
    -- the installments the payments name (not every one of their accounts)
    semi join payments
        on installments_checked.account_id = payments.account_id
        and installments_checked.installment_no = payments.installment_no
    {%- endif %}
),

account_open_dates as (
    select
        account_id,
        open_date
    from accounts
    where is_chosen_version
),

known_installments as (
    select distinct
        account_id,
        installment_no
    from installments
    where installment_no is not null
),

versions as (
    {{ deduplicate_versions('payments', ['payment_id']) }}
),

checked as (
    select
        versions.*,
        account_open_dates.open_date,
        versions.raw_problems is not null as fails_raw_001,
        versions.source_row_count > 1 as fails_raw_002,
        account_open_dates.account_id is null or known_installments.account_id is null as fails_pay_001,
        coalesce(versions.amount <= 0, true) as fails_pay_002,
        coalesce(versions.paid_on_local < account_open_dates.open_date, false) as fails_pay_004,
        versions.is_conflicting as fails_pay_005
    from versions
    left join account_open_dates
        on versions.account_id = account_open_dates.account_id
    left join known_installments
        on versions.account_id = known_installments.account_id
        and versions.installment_no = known_installments.installment_no
),

final as (
    select
        row_fingerprint,
        payment_id,
        account_id,
        installment_no,
        paid_at_local,
        paid_on_local,
        {{ month_start('paid_on_local') }} as paid_in_month,
        amount,
        raw_problems,
        source_row_count,
        is_conflicting,
        fails_raw_001,
        fails_raw_002,
        fails_pay_001,
        fails_pay_002,
        fails_pay_004,
        fails_pay_005,
        not (fails_raw_001 or fails_pay_001 or fails_pay_002 or fails_pay_005) as is_valid
    from checked
)

select *, {{ creditmart.row_built_at() }} from final
{{ creditmart.replaced_key_markers('stg_lending__payments', ['payment_id']) }}
