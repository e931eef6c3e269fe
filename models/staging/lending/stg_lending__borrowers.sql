{{
    config(
        incremental_strategy='snapshot_diff',
        change_columns=[
            'borrower_id',
            creditmart.id_key('id_type', 'id_number') ~ ' as id_key'
        ],
        post_hook=["{{ creditmart.record_watermark() }}", "{{ creditmart.ensure_change_log() }}"],
    )
}}

with

-- read twice in an incremental build, not held in memory (snapshot_diff_ctes)
source as {{ creditmart.cte_not_materialized() }} (
    select
        *,
        {{ raw_row_key(['borrower_id', 'full_name', 'id_type', 'id_number', 'birth_date', 'gender', 'mobile_phone', 'region_code', 'updated_at']) }} as raw_row_key
    from {{ raw_entity('borrowers') }}
),

{{ snapshot_diff_ctes() }}

cleaned as (
    select
        raw_row_key,
        {{ clean_text('borrower_id') }} as borrower_id,
        {{ clean_text('full_name') }} as full_name,
        {{ clean_text('id_type') }} as id_type,
        {{ clean_text('id_number') }} as id_number_text,
        {{ clean_text('birth_date') }} as birth_date_text,
        {{ clean_text('gender') }} as gender,
        {{ clean_text('mobile_phone') }} as mobile_phone,
        {{ clean_text('region_code') }} as region_code,
        {{ clean_text('updated_at') }} as updated_at_text
    from snapshot_rows
),

parsed as (
    select
        raw_row_key,
        borrower_id,
        full_name,
        id_type,
        case
            when id_type = '10' then replace(id_number_text, 'x', 'X')
            else id_number_text
        end as id_number,
        {{ parse_date('birth_date_text') }} as birth_date,
        gender,
        mobile_phone,
        region_code,
        {{ parse_timestamp_local('updated_at_text') }} as updated_at_local,
        birth_date_text,
        updated_at_text,
        {{ row_fingerprint(['borrower_id', 'full_name', 'id_type', 'id_number_text', 'birth_date_text', 'gender', 'mobile_phone', 'region_code', 'updated_at_text']) }} as row_fingerprint
    from cleaned
),

final as (
    select
        raw_row_key,
        row_fingerprint,
        borrower_id,
        full_name,
        id_type,
        id_number,
        birth_date,
        gender,
        mobile_phone,
        region_code,
        updated_at_local,
        nullif(concat_ws(', ',
            case when borrower_id is null then 'borrower_id: missing' end,
            {{ raw_value_problems(['birth_date']) }},
            case when updated_at_text is not null and updated_at_local is null then 'updated_at: unparseable' end
        ), '') as raw_problems
    from parsed
)

select * from final
{{ snapshot_diff_markers() }}
