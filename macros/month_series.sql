{#- Select-list expression expanding to one row per month from start_month
    through end_month (dates, first of month), inclusive. -#}
{% macro month_series_column(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_series_column', 'creditmart')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__month_series_column(start_month, end_month) -%}
    cast(unnest(generate_series(cast({{ start_month }} as date), cast({{ end_month }} as date), interval 1 month)) as date)
{%- endmacro %}

{% macro spark__month_series_column(start_month, end_month) -%}
    explode(sequence(cast({{ start_month }} as date), cast({{ end_month }} as date), interval 1 month))
{%- endmacro %}
