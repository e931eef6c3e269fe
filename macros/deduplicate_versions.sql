{#- Collapse rows identical after trimming (same row_fingerprint) into one
    version and count them (source_row_count > 1 is RAW-002), then flag keys
    held by more than one version as conflicting duplicates. is_chosen_version
    marks one version per key (the smallest fingerprint) for derivations that
    need a single row; rules are judged on every version. -#}
{% macro deduplicate_versions(relation, key_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set key_present -%}
        {%- for key in key_columns %}{{ key }} is not null{% if not loop.last %} and {% endif %}{% endfor -%}
    {%- endset -%}
    select
        versions.*,
        ({{ key_present }}) and count(*) over (partition by {{ keys }}) > 1 as is_conflicting,
        row_number() over (partition by {{ keys }} order by row_fingerprint) = 1 as is_chosen_version
    from (
        select *, count(*) as source_row_count
        from {{ relation }}
        group by all
    ) as versions
{%- endmacro %}
