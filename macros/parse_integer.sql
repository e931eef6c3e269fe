{#- Parse an optional minus sign and digits into an integer; null when unparseable. -#}
{% macro parse_integer(expr) -%}
    case
        when {{ creditmart.regex_full_match(expr, '-?[0-9]{1,9}') }}
            then {{ creditmart.try_cast(expr, 'integer') }}
    end
{%- endmacro %}
