{#- Overdue bucket of an rpy_status for PRG-002: 1-7 for the overdue codes,
    0 for every other status (N, M, *, C). -#}
{% macro overdue_level(rpy_status) -%}
    case when {{ rpy_status }} in ('1', '2', '3', '4', '5', '6', '7') then cast({{ rpy_status }} as integer) else 0 end
{%- endmacro %}
