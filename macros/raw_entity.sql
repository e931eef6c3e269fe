{#- The relation a staging model reads one raw entity from.
    Default (no raw_dir var): the bundled sample seed raw_<entity>.
    With raw_dir: the dbt source lending.<entity>, read from
    <raw_dir>/<entity>.csv or <raw_dir>/<entity>.parquet, every column as text. -#}
{% macro raw_entity(entity) -%}
    {%- if creditmart.raw_dir() is none -%}
        {{ ref('raw_' ~ entity) }}
    {%- else -%}
        {%- set source_relation = source('lending', entity) -%}
        {%- if execute -%}
            {%- set found = creditmart.find_raw_file(entity) -%}
            {{ creditmart.read_raw_file(found.path, found.format, entity) }}
        {%- else -%}
            {{ source_relation }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Locate <raw_dir>/<entity>.csv or .parquet; a clear error when there is
    neither or both. Returns {path, format}. -#}
{% macro find_raw_file(entity) -%}
    {%- set raw_dir = creditmart.raw_dir() -%}
    {%- set found = [] -%}
    {%- for format in ['csv', 'parquet'] -%}
        {%- set path = raw_dir.rstrip('/') ~ '/' ~ entity ~ '.' ~ format -%}
        {%- if creditmart.raw_file_exists(path) -%}
            {%- do found.append({'path': path, 'format': format}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
        {{ exceptions.raise_compiler_error("creditmart: raw_dir " ~ raw_dir ~ " has no " ~ entity ~ ".csv or " ~ entity ~ ".parquet") }}
    {%- elif found | length > 1 -%}
        {{ exceptions.raise_compiler_error("creditmart: raw_dir " ~ raw_dir ~ " has both " ~ entity ~ ".csv and " ~ entity ~ ".parquet; keep one") }}
    {%- endif -%}
    {{ return(found[0]) }}
{%- endmacro %}

{% macro raw_file_exists(path) -%}
    {{ return(adapter.dispatch('raw_file_exists', 'creditmart')(path)) }}
{%- endmacro %}

{% macro default__raw_file_exists(path) -%}
    {%- set result = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro read_raw_file(path, format, entity) -%}
    {{ return(adapter.dispatch('read_raw_file', 'creditmart')(path, format, entity)) }}
{%- endmacro %}

{% macro default__read_raw_file(path, format, entity) -%}
    {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
    {%- if format == 'csv' -%}
        read_csv({{ quoted }}, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true, auto_detect = true)
    {%- else -%}
        read_parquet({{ quoted }})
    {%- endif -%}
{%- endmacro %}

{#- Spark SQL cannot list files: the format of each entity comes from the
    raw_formats var ({"borrowers": "parquet", ...}; default csv), and a missing
    file fails when Spark reads it. -#}
{% macro spark__raw_file_exists(path) -%}
    {%- set entity_file = path.split('/')[-1] -%}
    {%- if '.' not in entity_file -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set entity, format = entity_file.rsplit('.', 1) -%}
    {{ return(var('raw_formats', {}).get(entity, 'csv') == format) }}
{%- endmacro %}

{% macro spark__read_raw_file(path, format, entity) -%}
    {%- set view = 'creditmart_raw_' ~ entity -%}
    {%- set options = "path '" ~ path ~ "'" ~ (", header 'true', inferSchema 'false', multiLine 'true', escape '\"'" if format == 'csv' else '') -%}
    {%- do run_query('create or replace temporary view ' ~ view ~ ' using ' ~ format ~ ' options (' ~ options ~ ')') -%}
    {{ view }}
{%- endmacro %}
