{#- 24-character (length n) repayment history, position 1 = this month,
    position k = k-1 months earlier: that month's status, or '/' where the
    account has no month in the mart (before it opened or before
    first_reporting_month). Order-free of any string aggregation: fixed lags
    over the account's contiguous in-scope months. -#}
{% macro repayment_history(status, partition_by, order_by, n=24) -%}
    {{ status }}
    {%- for k in range(1, n) %}
    || coalesce(lag({{ status }}, {{ k }}) over (partition by {{ partition_by }} order by {{ order_by }}), '/')
    {%- endfor %}
{%- endmacro %}
