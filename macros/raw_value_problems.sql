{#- Comma-separated names of the columns of a staged row whose text could not be
    parsed (`<column>_text` set, `<column>` null) or that are required and
    missing; null when there is none. Names only, never values (no PII).
    columns: list of column names; required: the subset that must be present. -#}
{% macro raw_value_problems(columns, required=[]) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("case when " ~ column ~ "_text is not null and " ~ column ~ " is null then '" ~ column ~ ": unparseable' end") -%}
        {%- if column in required -%}
            {%- do parts.append("case when " ~ column ~ "_text is null then '" ~ column ~ ": missing' end") -%}
        {%- endif -%}
    {%- endfor -%}
    nullif(concat_ws(', ', {{ parts | join(', ') }}), '')
{%- endmacro %}
