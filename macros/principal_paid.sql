{#- SPEC §5 allocation inside an installment, interest first:
    clamp(paid_to_date - interest_due, 0, principal_due); null amounts count 0. -#}
{% macro principal_paid(paid_to_date, interest_due, principal_due) -%}
    least(
        greatest(coalesce({{ paid_to_date }}, 0) - coalesce({{ interest_due }}, 0), 0),
        coalesce({{ principal_due }}, 0)
    )
{%- endmacro %}
