{#- Use the layer's schema name as is (staging, intermediate, marts, ...),
    not <target_schema>_<layer>, so the public models are queryable as
    marts.<model> in the DuckDB file. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
