{#- A yuan amount (decimal, 2 places) as exact integer cents. -#}
{% macro to_cents(expr) -%}
    cast(round({{ expr }} * 100) as bigint)
{%- endmacro %}
