{#- Trim ASCII whitespace (space, tab, CR, LF) and turn empty into null (SPEC §7). -#}
{% macro clean_text(expr) -%}
    {{ return(adapter.dispatch('clean_text', 'creditmart')(expr)) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
    nullif(trim(cast({{ expr }} as {{ dbt.type_string() }}), ' ' || chr(9) || chr(10) || chr(13)), '')
{%- endmacro %}

{% macro spark__clean_text(expr) -%}
    nullif(regexp_replace(cast({{ expr }} as string), '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', ''), '')
{%- endmacro %}
