{#- Parse yuan with up to two decimals (optional minus sign); null when unparseable. -#}
{% macro parse_amount(expr) -%}
    case
        when {{ creditmart.regex_full_match(expr, '-?[0-9]{1,16}([.][0-9]{1,2})?') }}
            then {{ creditmart.try_cast(expr, creditmart.type_money()) }}
    end
{%- endmacro %}

{% macro type_money() -%}decimal(18, 2){%- endmacro %}
