{#- Trim ASCII whitespace (space, tab, CR, LF) and turn empty into null (SPEC §7).
    DuckDB: one regexp_replace is cheaper than trim() with a character list. -#}
{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'creditmart')(expr)) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
    nullif(regexp_replace(cast({{ expr }} as {{ dbt.type_string() }}), '^[ \t\r\n]+|[ \t\r\n]+$', '', 'g'), '')
{%- endmacro %}

{% macro spark__clean_text(expr) -%}
    nullif(regexp_replace(cast({{ expr }} as string), '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', ''), '')
{%- endmacro %}
