{#- 24-character (length n) repayment history, position 1 = this month,
    position k = k-1 months earlier: that month's status, or '/' where the
    account has no month in the mart (before it opened or before
    first_reporting_month). Order-free of any string aggregation: fixed lags
    over the account's contiguous in-scope months. -#}
{#- previous_history / position: in an incremental build, the history of the
    month before the rows at hand and each row's index among them (0 for the
    first): months before the first row are read from that history. -#}
{% macro repayment_history(status, partition_by, order_by, n=24, previous_history=none, position=none) -%}
    {{ status }}
    {%- for k in range(1, n) %}
    || coalesce(
        lag({{ status }}, {{ k }}) over (partition by {{ partition_by }} order by {{ order_by }}),
        {%- if previous_history is not none %}
        nullif(substr({{ previous_history }}, {{ k }} - {{ position }}, 1), ''),
        {%- endif %}
        '/'
    )
    {%- endfor %}
{%- endmacro %}
