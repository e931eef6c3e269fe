{#- A yuan amount (decimal, 2 places) as exact integer cents. Narrowed to the
    money type first when the product fits 64 bits: a sum's wide decimal (38
    digits) times 100 costs twenty times as much (6.2 s against 0.3 s over
    18.2M payment months at 1M, BENCHMARKS.md item 68), and a money amount
    has 2 places, so the product is exact. Beyond 9 * 10^14 yuan (a sum of
    hundreds of the largest amounts parse_amount accepts) it takes the wide
    path rather than overflow (item 69). -#}
{% macro to_cents(expr) -%}
    case
        when {{ expr }} between -900000000000000 and 900000000000000
            then cast(cast({{ expr }} as {{ type_money() }}) * 100 as bigint)
        else cast(cast({{ expr }} as decimal(38, 2)) * 100 as bigint)
    end
{%- endmacro %}
