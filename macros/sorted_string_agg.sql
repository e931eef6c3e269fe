{#- Distinct values of expr joined by sep in ascending order (order-independent
    input, deterministic output). -#}
{% macro sorted_string_agg(expr, sep=',') -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'creditmart')(expr, sep)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expr, sep) -%}
    string_agg(distinct {{ expr }}, '{{ sep }}' order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_string_agg(expr, sep) -%}
    array_join(array_sort(collect_set({{ expr }})), '{{ sep }}')
{%- endmacro %}
