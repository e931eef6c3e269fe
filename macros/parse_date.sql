{#- Parse an exact YYYY-MM-DD text into a date; null when it is not one. -#}
{% macro parse_date(expr) -%}
    case
        when {{ creditmart.regex_full_match(expr, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then {{ creditmart.try_cast(expr, 'date') }}
    end
{%- endmacro %}
