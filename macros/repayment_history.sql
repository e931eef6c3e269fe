{#- The statuses of a row's last n months in its partition, most recent
    first, as one string (shorter where the partition has fewer rows): one
    character per status, months contiguous. Order-free of any string
    aggregation: DuckDB a bounded list window (one window operator with the
    model's other windows of the same spec), other engines fixed lags. -#}
{% macro recent_statuses(status, partition_by, order_by, n=24) -%}
    {{ return(adapter.dispatch('recent_statuses', 'creditmart')(status, partition_by, order_by, n)) }}
{%- endmacro %}

{% macro default__recent_statuses(status, partition_by, order_by, n) -%}
    {{ status }}
    {%- for k in range(1, n) %}
    || coalesce(lag({{ status }}, {{ k }}) over (partition by {{ partition_by }} order by {{ order_by }}), '')
    {%- endfor %}
{%- endmacro %}

{% macro duckdb__recent_statuses(status, partition_by, order_by, n) -%}
    array_to_string(list_reverse(list({{ status }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between {{ n - 1 }} preceding and current row
    )), '')
{%- endmacro %}

{#- n-character repayment history, position 1 = this month, position k =
    k-1 months earlier: that month's status, or '/' where the account has no
    month in the mart (before it opened or before first_reporting_month).
    recent: recent_statuses() of the rows at hand; previous_history: in an
    incremental build, the history of the month before them (null if none). -#}
{% macro repayment_history(recent, previous_history, n=24) -%}
    rpad(left({{ recent }} || coalesce({{ previous_history }}, ''), {{ n }}), {{ n }}, '/')
{%- endmacro %}
