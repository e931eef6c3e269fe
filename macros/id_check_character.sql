{#- ISO 7064 MOD 11-2 check character of the first 17 digits of a citizen ID
    number (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; sum mod 11 maps to
    1 0 X 9 8 7 6 5 4 3 2). Call only on a value that matches [0-9]{17}[0-9X]. -#}
{% macro id_check_character(expr) -%}
    {%- set weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] -%}
    substr('10X98765432', cast((
        {%- for weight in weights %}
        cast(substr({{ expr }}, {{ loop.index }}, 1) as integer) * {{ weight }}{% if not loop.last %} +{% endif %}
        {%- endfor %}
    ) % 11 as integer) + 1, 1)
{%- endmacro %}
