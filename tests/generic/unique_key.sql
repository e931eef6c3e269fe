{#- The combination of columns is unique (a composite primary key). Returns
    the duplicated key values and their count: key columns only. -#}
{% test unique_key(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
