{#- Render a date as its reporting month label YYYY-MM. -#}
{% macro format_month(expr) -%}
    {{ return(adapter.dispatch('format_month', 'creditmart')(expr)) }}
{%- endmacro %}

{% macro default__format_month(expr) -%}
    strftime({{ expr }}, '%Y-%m')
{%- endmacro %}

{% macro spark__format_month(expr) -%}
    date_format({{ expr }}, 'yyyy-MM')
{%- endmacro %}
