{#- SPEC §5 current repayment status: C closed in M; 1-7 by days past due
    (30-day buckets, 7 = 181+); M paid late but by month end; N something fell
    due this month; * nothing due and no arrears. -#}
{% macro rpy_status(is_closed, days_past_due, has_late_payoff, has_due_in_month) -%}
    case
        when {{ is_closed }} then 'C'
        when {{ days_past_due }} >= 181 then '7'
        when {{ days_past_due }} >= 151 then '6'
        when {{ days_past_due }} >= 121 then '5'
        when {{ days_past_due }} >= 91 then '4'
        when {{ days_past_due }} >= 61 then '3'
        when {{ days_past_due }} >= 31 then '2'
        when {{ days_past_due }} >= 1 then '1'
        when {{ has_late_payoff }} then 'M'
        when {{ has_due_in_month }} then 'N'
        else '*'
    end
{%- endmacro %}
