{#- Source freshness of a raw entity (loaded_at_query of the lending source):
    the newest business timestamp in the entity, in UTC. Raw timestamps carry
    their own offset; dates are taken as Beijing midnight. In raw-file mode
    it reads <raw_dir>/<entity>.csv|.parquet; without raw_dir, the sample seed. -#}
{% macro raw_loaded_at(entity, column, kind='timestamp') -%}
    {%- if creditmart.raw_dir() is none -%}
        {%- set relation = api.Relation.create(database=target.database, schema='raw_sample', identifier='raw_' ~ entity) -%}
    {%- else -%}
        {%- set found = creditmart.find_raw_file(entity) -%}
        {%- set relation = creditmart.read_raw_file(found.path, found.format, entity) -%}
    {%- endif -%}
    {%- if kind == 'date' -%}
        {%- set expression = creditmart.try_cast(column, 'date') ~ " - interval 8 hour" -%}
    {%- else -%}
        {%- set expression = creditmart.try_cast(column, 'timestamptz') -%}
    {%- endif -%}
    select max({{ expression }}) as max_loaded_at
    from {{ relation }}
{%- endmacro %}
