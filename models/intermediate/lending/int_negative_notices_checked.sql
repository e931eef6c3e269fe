with

negative_notices as (
    select
        row_fingerprint,
        notice_id,
        account_id,
        notified_at_local,
        channel,
        raw_problems
    from {{ ref('stg_lending__negative_notices') }}
),

accounts as (
    select account_id from {{ ref('stg_lending__accounts') }}
),

known_accounts as (
    select distinct account_id from accounts where account_id is not null
),

versions as (
    {{ deduplicate_versions('negative_notices', ['notice_id']) }}
),

final as (
    select
        versions.row_fingerprint,
        versions.notice_id,
        versions.account_id,
        versions.notified_at_local,
        versions.channel,
        versions.raw_problems,
        versions.source_row_count,
        versions.raw_problems is not null as fails_raw_001,
        versions.source_row_count > 1 as fails_raw_002,
        known_accounts.account_id is null as fails_leg_002,
        versions.raw_problems is null and known_accounts.account_id is not null as is_valid
    from versions
    left join known_accounts
        on versions.account_id = known_accounts.account_id
)

select * from final
