{#- SPEC §5 report-time code of the 210 record: 20 closed in M, 10 opened in
    M, 31 first month the account is submitted, else 30. -#}
{% macro rpt_date_code(closed_date, open_date, month_start, month_end, outcome, first_submitted_month) -%}
    case
        when {{ closed_date }} between {{ month_start }} and {{ month_end }} then '20'
        when {{ open_date }} between {{ month_start }} and {{ month_end }} then '10'
        when {{ outcome }} = 'submitted' and {{ first_submitted_month }} = {{ month_start }} then '31'
        else '30'
    end
{%- endmacro %}
