{#- Parse an ISO-8601 timestamp that carries Z or an explicit +-HH:MM offset and
    return it as a timestamp without time zone in Beijing time (UTC+08:00), the
    clock of every cutoff (SPEC §2). A timestamp without an offset is unparseable
    (null). -#}
{% macro parse_timestamp_local(expr) -%}
    {%- set pattern = '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})' -%}
    {%- set offset_minutes -%}
        case
            when {{ expr }} like '%Z' then 0
            else
                (case when substr({{ expr }}, length({{ expr }}) - 5, 1) = '-' then -1 else 1 end)
                * (
                    cast(substr({{ expr }}, length({{ expr }}) - 4, 2) as integer) * 60
                    + cast(substr({{ expr }}, length({{ expr }}) - 1, 2) as integer)
                )
        end
    {%- endset -%}
    {%- set wall_clock -%}
        {{ creditmart.try_cast(
            "replace(substr(" ~ expr ~ ", 1, length(" ~ expr ~ ") - case when " ~ expr ~ " like '%Z' then 1 else 6 end), 'T', ' ')",
            dbt.type_timestamp()
        ) }}
    {%- endset -%}
    case
        when {{ creditmart.regex_full_match(expr, pattern) }}
            then {{ creditmart.add_minutes(wall_clock, '480 - (' ~ offset_minutes ~ ')') }}
    end
{%- endmacro %}
