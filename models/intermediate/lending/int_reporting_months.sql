with

accounts as (
    select open_date from {{ ref('stg_lending__accounts') }}
),

bounds as (
    select
        coalesce(
            {{ first_reporting_month_start() }},
            min({{ month_start('open_date') }}),
            {{ reporting_month_start() }}
        ) as first_month_start,
        {{ reporting_month_start() }} as last_month_start
    from accounts
),

months as (
    select {{ month_series_column('first_month_start', 'last_month_start') }} as month_start
    from bounds
),

final as (
    select
        {{ format_month('month_start') }} as report_month,
        cast(month_start as date) as month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        cast(month_start as {{ dbt.type_timestamp() }}) as previous_cutoff_local,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as {{ dbt.type_timestamp() }}) as cutoff_local
    from months
)

select * from final
