{#- timestamp + n minutes (n an integer expression), keeping fractions of a second. -#}
{% macro add_minutes(timestamp_expr, minutes_expr) -%}
    {{ return(adapter.dispatch('add_minutes', 'creditmart')(timestamp_expr, minutes_expr)) }}
{%- endmacro %}

{% macro default__add_minutes(timestamp_expr, minutes_expr) -%}
    {{ dbt.dateadd('minute', minutes_expr, timestamp_expr) }}
{%- endmacro %}

{% macro spark__add_minutes(timestamp_expr, minutes_expr) -%}
    timestampadd(minute, {{ minutes_expr }}, {{ timestamp_expr }})
{%- endmacro %}
