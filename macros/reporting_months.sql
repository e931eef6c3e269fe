{#- SQL date literals for the first day of the reporting month and of the
    optional first_reporting_month var (validated by validate_invocation). -#}
{% macro reporting_month_start() -%}
    cast('{{ var("reporting_month") }}-01' as date)
{%- endmacro %}

{% macro first_reporting_month_start() -%}
    {%- if var('first_reporting_month', none) is none -%}
        cast(null as date)
    {%- else -%}
        cast('{{ var("first_reporting_month") }}-01' as date)
    {%- endif -%}
{%- endmacro %}
