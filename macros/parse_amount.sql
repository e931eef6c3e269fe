{#- Parse yuan with up to two decimals (optional minus sign); null when
    unparseable. At most 12 integer digits (under a trillion yuan): a larger
    value is unparseable (RAW-001), where a 16-digit one failed the build
    once summed (README "Decisions"). -#}
{% macro parse_amount(expr) -%}
    case
        when {{ creditmart.regex_full_match(expr, '-?[0-9]{1,12}([.][0-9]{1,2})?') }}
            then {{ creditmart.try_cast(expr, creditmart.type_money()) }}
    end
{%- endmacro %}

{% macro type_money() -%}decimal(18, 2){%- endmacro %}
