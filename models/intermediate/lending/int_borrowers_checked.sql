{{ config(**creditmart.incremental_by_key(['borrower_id'], 'row_fingerprint')) }}
{%- set incremental = creditmart.incremental_mode() %}

{# Incremental: the borrowers whose rows changed, and every borrower holding
    an identity number that a changed row held or holds (ID-006 is judged
    across borrowers). #}
with

{% if incremental -%}
changed as (
    select
        borrower_id,
        id_key
    from {{ creditmart.changed_rows('stg_lending__borrowers') }}
),

affected as materialized (
    {{ creditmart.linked_borrower_ids('changed') }}
),

{% endif -%}
borrowers as (
    select
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
        raw_problems
    from {{ ref('stg_lending__borrowers') }} as staged
    {% if incremental -%}
    {{ creditmart.semi_join_keys('affected', 'staged', ['borrower_id']) }}
    {%- endif %}
),

id_types as (
    select code from {{ ref('ref_id_types') }}
),

versions as (
    {{ deduplicate_versions('borrowers', ['borrower_id']) }}
),

shared_id_numbers as (
    select
        id_type,
        id_number
    {% if incremental -%}
    -- every holder of the recomputed borrowers' identity numbers
    from {{ ref('stg_lending__borrowers') }} as staged
    semi join (
        select distinct id_type, id_number from versions where id_number is not null
    ) as recomputed
        on staged.id_type is not distinct from recomputed.id_type
        and staged.id_number = recomputed.id_number
    {%- else -%}
    from versions
    {%- endif %}
    where id_number is not null
    group by id_type, id_number
    having count(distinct borrower_id) > 1
),

with_id_parts as (
    select
        *,
        coalesce(id_type = '10', false) as is_citizen_id,
        id_type = '10' and coalesce({{ regex_full_match('id_number', '[0-9]{17}[0-9X]') }}, false) as is_well_formed,
        {{ try_cast("substr(id_number, 7, 4) || '-' || substr(id_number, 11, 2) || '-' || substr(id_number, 13, 2)", 'date') }} as embedded_birth_date
    from versions
),

checked as (
    select
        with_id_parts.*,
        with_id_parts.raw_problems is not null as fails_raw_001,
        with_id_parts.source_row_count > 1 as fails_raw_002,
        id_types.code is null as fails_id_001,
        with_id_parts.is_citizen_id and not with_id_parts.is_well_formed as fails_id_002,
        with_id_parts.is_well_formed
            and substr(with_id_parts.id_number, 18, 1) <> {{ id_check_character('with_id_parts.id_number') }} as fails_id_003,
        with_id_parts.is_well_formed and (
            with_id_parts.embedded_birth_date is null
            or with_id_parts.embedded_birth_date < cast('1901-01-01' as date)
            or with_id_parts.embedded_birth_date > cast('2099-12-31' as date)
            or coalesce(with_id_parts.embedded_birth_date <> with_id_parts.birth_date, false)
        ) as fails_id_004,
        with_id_parts.is_well_formed
            and with_id_parts.gender in ('1', '2')
            and (cast(substr(with_id_parts.id_number, 17, 1) as integer) % 2 = 1) <> (with_id_parts.gender = '1') as fails_id_005,
        shared_id_numbers.id_number is not null as fails_id_006,
        with_id_parts.full_name is null as fails_per_001,
        not coalesce({{ regex_full_match('with_id_parts.mobile_phone', '1[3-9][0-9]{9}') }}, false) as fails_per_003,
        not coalesce({{ regex_full_match('with_id_parts.region_code', '[0-9]{6}') }}, false) as fails_per_004,
        with_id_parts.is_conflicting as fails_per_005
    from with_id_parts
    left join id_types
        on with_id_parts.id_type = id_types.code
    left join shared_id_numbers
        on with_id_parts.id_type is not distinct from shared_id_numbers.id_type
        and with_id_parts.id_number = shared_id_numbers.id_number
),

final as (
    select
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
        raw_problems,
        source_row_count,
        is_conflicting,
        is_chosen_version,
        fails_raw_001,
        fails_raw_002,
        fails_id_001,
        fails_id_002,
        fails_id_003,
        fails_id_004,
        fails_id_005,
        fails_id_006,
        fails_per_001,
        fails_per_003,
        fails_per_004,
        fails_per_005
    from checked
)

select *, {{ creditmart.row_built_at() }} from final
{{ creditmart.affected_key_markers('affected', ['borrower_id']) }}
