{#- Long form of a checked model's rule flags: one row per (entity key, rule)
    whose flag is true on any version of the entity.
    flags: {rule_id: boolean column}. -#}
{% macro unpivot_rule_flags(relation, key_column, flags) -%}
    {%- for rule_id, flag_column in flags.items() %}
    select distinct
        {{ key_column }} as entity_key,
        '{{ rule_id }}' as rule_id
    from {{ relation }}
    where {{ flag_column }}
        and {{ key_column }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
