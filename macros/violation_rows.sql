{#- Row-level violations of one checked model: one select per rule, unioned.
    rules: {rule_id: [flag column, detail expression]}. Details name columns
    and counts only, never values. -#}
{% macro violation_rows(relation, entity_type, entity_id, account_id, borrower_id, rules) -%}
    {%- for rule_id, spec in rules.items() %}
    select
        '{{ rule_id }}' as rule_id,
        cast(null as {{ dbt.type_string() }}) as report_month,
        '{{ entity_type }}' as entity_type,
        {{ entity_id }} as entity_id,
        {{ account_id }} as account_id,
        {{ borrower_id }} as borrower_id,
        {{ spec[1] }} as detail
    from {{ relation }}
    where {{ spec[0] }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
