{#- The accounts an incremental build recomputes in the account-month layer,
    each from the earliest month a fact changed since the layer's oldest
    watermark can reach (build_state.sql). Empty when the layer builds in
    full. -#}
-- depends_on: {{ ref('stg_lending__accounts') }}
-- depends_on: {{ ref('stg_lending__borrowers') }}
-- depends_on: {{ ref('stg_lending__installments') }}
-- depends_on: {{ ref('stg_lending__payments') }}
-- depends_on: {{ ref('stg_lending__consent_events') }}
-- depends_on: {{ ref('int_accounts_checked') }}
-- depends_on: {{ ref('int_consent_events_checked') }}
-- depends_on: {{ ref('int_payments_checked') }}
-- depends_on: {{ ref('stg_ledger__furnished_account_records') }}
{%- set since = creditmart.month_layer_watermark() if target.type == 'duckdb' else none %}

with

{% if since is not none -%}
accounts as (
    select
        account_id,
        borrower_id,
        account_type,
        open_date
    from {{ ref('int_accounts_checked') }}
),

changed_accounts as (
    select
        account_id,
        open_date
    from {{ creditmart.changed_rows('stg_lending__accounts', since) }}
),

account_row_changes as (
    -- closed_date is point in time in the account-month layer, so a closing
    -- alone (set, moved, cleared) reaches the months from the earlier closed
    -- date (every month when that is before the open month: ACC-005); any
    -- other change reaches every month (the account rules apply to all)
    select
        changed_accounts.account_id,
        coalesce(
            {{ month_start('max(closings.earliest_closed_date)') }},
            cast('1900-01-01' as date)
        ) as from_month
    from changed_accounts
    left join {{ creditmart.closing_only_changes(since) }} as closings
        on changed_accounts.account_id = closings.account_id
    group by changed_accounts.account_id
),

changed_borrowers as (
    select
        borrower_id,
        id_key
    from {{ creditmart.changed_rows('stg_lending__borrowers', since) }}
),

linked_borrowers as (
    -- a borrower's rules reach every month; ID-006 links the borrowers that
    -- share an identity number
    {{ creditmart.linked_borrower_ids('changed_borrowers') }}
),

changed_events as (
    select
        event_id,
        borrower_id,
        event_at_local
    from {{ creditmart.changed_rows('stg_lending__consent_events', since) }}

    union all

    -- every other version of a changed event_id (CON-003 conflicts)
    select
        event_id,
        borrower_id,
        event_at_local
    from {{ ref('int_consent_events_checked') }}
    where event_id in (select event_id from {{ creditmart.changed_rows('stg_lending__consent_events', since) }})
),

d1_accounts as (
    select distinct account_id
    from accounts
    where account_type = 'D1'
),

changes as (
    select
        account_id,
        from_month
    from account_row_changes

    union all

    select
        accounts.account_id,
        cast('1900-01-01' as date)
    from accounts
    inner join linked_borrowers
        on accounts.borrower_id = linked_borrowers.borrower_id

    union all

    -- installments from the month they exist; a D1 schedule (ACC-006) or an
    -- installment without its own date reaches every month
    select
        changed_installments.account_id,
        case
            when changed_installments.scheduled_on is null or d1_accounts.account_id is not null
                then cast('1900-01-01' as date)
            else {{ month_start('changed_installments.scheduled_on') }}
        end
    from {{ creditmart.changed_rows('stg_lending__installments', since) }} as changed_installments
    left join d1_accounts
        on changed_installments.account_id = d1_accounts.account_id

    union all

    -- payments (and every version of their payment_id) from the month paid
    select
        account_id,
        coalesce({{ month_start('paid_on_local') }}, cast('1900-01-01' as date))
    from {{ creditmart.changed_rows('stg_lending__payments', since) }}

    union all

    -- int_payments_checked rewrote every version of their payment_id (and
    -- more) since then: its last row groups, not a lookup by payment_id
    select
        account_id,
        coalesce(paid_in_month, cast('1900-01-01' as date))
    from {{ ref('int_payments_checked') }}
    where {{ creditmart.written_since(since) }}

    union all

    -- consent events: every account of the borrower from the event's month
    select
        accounts.account_id,
        coalesce({{ month_start('changed_events.event_at_local') }}, cast('1900-01-01' as date))
    from changed_events
    inner join accounts
        on changed_events.borrower_id = accounts.borrower_id

    union all

    -- the ledger: a record furnished (or corrected) for month m is compared
    -- by the progression rules of later months
    select
        account_id,
        cast({{ dbt.dateadd('month', 1, "cast(report_month || '-01' as date)") }} as date)
    from {{ ref('stg_ledger__furnished_account_records') }}
    -- generated_at is Beijing time, the watermark UTC: this errs on recomputing more
    where generated_at > timestamp '{{ since }}'
),

early_changes as (
    -- an account whose changes all start in the month every account is
    -- rebuilt from needs nothing more (all of a month's usual facts)
    select
        account_id,
        from_month
    from changes
    where account_id is not null
        and from_month < date '{{ creditmart.month_layer_latest_start() }}'
),

account_floors as (
    -- an account has no month before the open month of any of its
    -- versions, old or new (unknown when one has no open date)
    select
        account_id,
        case when count(*) = count(open_date) then min({{ month_start('open_date') }}) end as first_possible_month
    from (
        select account_id, open_date from accounts
        union all
        select account_id, open_date from changed_accounts
    ) as versions
    where account_id in (select account_id from early_changes)
    group by account_id
),

final as (
    select
        early_changes.account_id,
        greatest(min(early_changes.from_month), max(account_floors.first_possible_month)) as from_month
    from early_changes
    left join account_floors
        on early_changes.account_id = account_floors.account_id
    group by early_changes.account_id
    -- an open month in the new month: rebuilt anyway
    having greatest(min(early_changes.from_month), max(account_floors.first_possible_month))
        < date '{{ creditmart.month_layer_latest_start() }}'
)

{%- else -%}
final as (
    select
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as date) as from_month
    where false
)
{%- endif %}

select * from final
