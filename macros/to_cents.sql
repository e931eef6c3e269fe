{#- A yuan amount (decimal, 2 places) as exact integer cents. Narrowed to the
    money type first: a sum's wide decimal (38 digits) times 100 and rounded
    costs twenty times as much (6.2 s against 0.3 s over 18.2M payment months
    at 1M, BENCHMARKS.md item 68), and a money amount has 2 places, so the
    product is exact. -#}
{% macro to_cents(expr) -%}
    cast(cast({{ expr }} as {{ type_money() }}) * 100 as bigint)
{%- endmacro %}
