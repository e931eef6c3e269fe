{#- The month being reported (YYYY-MM) and the raw files' directory: the
    reporting_month and raw_dir vars, else the CREDITMART_REPORTING_MONTH and
    CREDITMART_RAW_DIR environment variables, else 2026-10 and none (the
    bundled sample). Both are read here only.

    A scheduled run sets the month's environment variable: dbt parses the
    whole project again whenever --vars differ from the last run's (every
    month), and every file that read an environment variable which changed.
    Nothing in the DAG or in a config depends on the month, so it is not read
    while dbt parses (execute is false) and a new month parses nothing again
    (BENCHMARKS.md, item 47). The raw directory decides seeds or sources: it
    is read while parsing (dbt_project.yml's seeds and a unit test's config
    repeat raw_dir()'s test, as configs cannot call the project's macros). -#}
{% macro reporting_month() -%}
    {%- set default_month = '2026-10' -%}
    {%- if not execute -%}
        {{ return(default_month) }}
    {%- endif -%}
    {{ return(var('reporting_month', env_var('CREDITMART_REPORTING_MONTH', default_month)) | string) }}
{%- endmacro %}

{% macro raw_dir() -%}
    {%- set value = var('raw_dir', env_var('CREDITMART_RAW_DIR', '')) -%}
    {{ return(none if value is none or value | string == '' else value | string) }}
{%- endmacro %}

{#- SQL date literals for the first day of the reporting month and of the
    optional first_reporting_month var (validated by validate_invocation). -#}
{% macro reporting_month_start() -%}
    cast('{{ creditmart.reporting_month() }}-01' as date)
{%- endmacro %}

{% macro first_reporting_month_start() -%}
    {%- if var('first_reporting_month', none) is none -%}
        cast(null as date)
    {%- else -%}
        cast('{{ var("first_reporting_month") }}-01' as date)
    {%- endif -%}
{%- endmacro %}
