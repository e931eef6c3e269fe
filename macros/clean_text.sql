{#- Trim ASCII whitespace (space, tab, CR, LF) and turn empty into null (SPEC §7).
    DuckDB: one regexp_replace is cheaper than trim() with a character list. -#}
{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'creditmart')(expr)) }}
{%- endmacro %}

{#- DuckDB: the regexp_replace only where the first or last character is
    whitespace (half the cost on clean values, the usual case). -#}
{% macro default__clean_text(expr) -%}
    {%- set text = 'cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    nullif(
        case
            when ascii({{ text }}) in (9, 10, 13, 32) or ascii(right({{ text }}, 1)) in (9, 10, 13, 32)
                then regexp_replace({{ text }}, '^[ \t\r\n]+|[ \t\r\n]+$', '', 'g')
            else {{ text }}
        end,
        ''
    )
{%- endmacro %}

{% macro spark__clean_text(expr) -%}
    nullif(regexp_replace(cast({{ expr }} as string), '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', ''), '')
{%- endmacro %}
