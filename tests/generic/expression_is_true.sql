{#- Every row satisfies a boolean SQL expression. Returns the failing rows'
    key columns only (key_columns), so no PII lands in stored failures. -#}
{% test expression_is_true(model, expression, key_columns) %}
select {{ key_columns | join(', ') }}
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
