{#- on-run-start guard: stop a bad invocation with one readable line instead of
    a database error deep inside a model. Checks the month vars and, with
    raw_dir, that every entity file exists and has every column of its source. -#}
{% macro validate_invocation() -%}
    {%- if not execute -%}
        {{ return('select 1 as invocation_ok') }}
    {%- endif -%}
    {%- set month_pattern = '^[0-9]{4}-(0[1-9]|1[0-2])$' -%}
    {%- set reporting_month = creditmart.reporting_month() -%}
    {%- if not modules.re.match(month_pattern, reporting_month) -%}
        {{ exceptions.raise_compiler_error("creditmart: reporting_month '" ~ reporting_month ~ "' is not a month in YYYY-MM form (e.g. 2026-10)") }}
    {%- endif -%}
    {%- set first_month = var('first_reporting_month', none) -%}
    {%- if first_month is not none -%}
        {%- if not modules.re.match(month_pattern, first_month | string) -%}
            {{ exceptions.raise_compiler_error("creditmart: first_reporting_month '" ~ first_month ~ "' is not a month in YYYY-MM form (e.g. 2026-01)") }}
        {%- elif first_month | string > reporting_month -%}
            {{ exceptions.raise_compiler_error("creditmart: first_reporting_month " ~ first_month ~ " is after reporting_month " ~ reporting_month) }}
        {%- endif -%}
    {%- endif -%}
    {%- set raw_dir = creditmart.raw_dir() -%}
    {%- if raw_dir is not none -%}
        {%- if not (raw_dir | string).startswith('/') -%}
            {{ exceptions.raise_compiler_error("creditmart: raw_dir '" ~ raw_dir ~ "' must be an absolute path") }}
        {%- endif -%}
        {%- if not creditmart.raw_file_exists((raw_dir | string).rstrip('/') ~ '/*') -%}
            {{ exceptions.raise_compiler_error("creditmart: raw_dir " ~ raw_dir ~ " does not exist or is empty") }}
        {%- endif -%}
        {%- for node in graph.sources.values() if node.source_name == 'lending' -%}
            {%- set found = creditmart.find_raw_file(node.name) -%}
            {%- set present = creditmart.query_column_names("select * from " ~ creditmart.read_raw_file(found.path, found.format, node.name)) | map('lower') | list -%}
            {%- set missing = [] -%}
            {%- for column_name in node.columns.keys() if column_name | lower not in present -%}
                {%- do missing.append(column_name) -%}
            {%- endfor -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error("creditmart: " ~ found.path ~ " lacks column(s) " ~ missing | join(', ')) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('select 1 as invocation_ok') }}
{%- endmacro %}

{#- Column names of a query, without running it. -#}
{% macro query_column_names(sql) -%}
    {{ return(adapter.dispatch('query_column_names', 'creditmart')(sql)) }}
{%- endmacro %}

{% macro default__query_column_names(sql) -%}
    {{ return(run_query('describe ' ~ sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro spark__query_column_names(sql) -%}
    {{ return(run_query('describe query ' ~ sql).columns[0].values() | list) }}
{%- endmacro %}
