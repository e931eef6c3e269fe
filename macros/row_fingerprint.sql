{#- Hash of a row's cleaned text columns: equal fingerprints = identical rows
    after trimming (RAW-002); nulls and empty values are told apart from text. -#}
{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce('v' || " ~ column ~ ", 'n')") -%}
    {%- endfor -%}
    {{ dbt.hash("concat_ws(chr(31), " ~ parts | join(', ') ~ ")") }}
{%- endmacro %}
