with

source as (
    select * from {{ source('ledger', 'furnished_deletions') }}
),

final as (
    select
        report_month,
        account_id,
        reason,
        file_name,
        generated_at
    from source
)

select * from final
