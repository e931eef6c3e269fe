{#- Staging reads a full snapshot every month (SPEC §1) but parses only what
    changed since the last build (BENCHMARKS.md "Incremental builds").

    Every staged row carries raw_row_key: a 128-bit hash of its raw columns
    exactly as delivered. A build compares the
    snapshot's (raw_row_key, number of rows) pairs with the table's:
    - a pair only in the snapshot: new rows (or an exact duplicate more or
      less): every row of that key is parsed again and replaces the old ones;
    - a pair only in the table: rows that left the snapshot, deleted.
    Unchanged rows are neither read twice nor parsed. A full refresh (and the
    first build) parses everything. -#}

{% macro raw_row_key(columns) -%}
    {{ return(adapter.dispatch('raw_row_key', 'creditmart')(columns)) }}
{%- endmacro %}

{% macro default__raw_row_key(columns) -%}
    {#- two 64-bit hashes over the columns in opposite orders, one salted:
        about twice as fast as md5 on tens of millions of rows (both build
        on DuckDB's 64-bit hash of each value: BENCHMARKS.md, item 6) -#}
    (cast({{ creditmart.raw_row_key_high(columns) }} as uhugeint) << 64)
        | cast(hash('creditmart', {{ columns | reverse | join(', ') }}) as uhugeint)
{%- endmacro %}

{#- The first 64 bits of default__raw_row_key (the bucketed diff's sums). -#}
{% macro raw_row_key_high(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__raw_row_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(concat('v', cast(" ~ column ~ " as string)), 'n')") -%}
    {%- endfor -%}
    md5(concat_ws(chr(31), {{ parts | join(', ') }}))
{%- endmacro %}

{#- CTEs `snapshot_rows` (the raw rows to parse in this build, with
    raw_row_key) after a CTE named `source`; in an incremental build also
    `departed_keys` (keys to delete). Use with snapshot_diff_markers().

    Define it `source as {{ cte_not_materialized() }} (`: an incremental
    build reads it twice rather than holding it in memory whole.

    Plain: `source` has raw_row_key.

    Bucketed (key_columns given): `source` has raw_bucket (raw_bucket()),
    stored with the rows, and the key is computed here. The snapshot's and
    the table's rows are first compared bucket by bucket (count, sum and xor
    of the key's first 64-bit hash, the only one computed for every row),
    then by key only in the buckets that differ: a month adds payments to
    one paid month, and installments to the buckets of their due months and
    of the new loans (BENCHMARKS.md, item 14). The rows of a bucket the
    table does not have (the new paid month) are all new, with no key to
    compare (item 53). A change spread over every bucket costs one more
    pass over the file than the plain diff. -#}
{% macro snapshot_diff_ctes(key_columns=none) -%}
    {%- set bucketed = key_columns is not none -%}
    {%- if creditmart.incremental_mode() %}
    {%- if bucketed %}
snapshot_buckets as materialized (
    select raw_bucket, {{ creditmart.bucket_checksum('key_high') }}
    from (
        select raw_bucket, {{ creditmart.raw_row_key_high(key_columns) }} as key_high
        from source
    ) as hashed
    group by raw_bucket
),

stored_buckets as materialized (
    {%- set state = creditmart.bucket_state_relation(this.identifier) %}
    {%- if adapter.get_relation(state.database, state.schema, state.identifier) is not none %}
    -- the table's checksums, kept with it (no scan of the table)
    select raw_bucket, row_count, key_sum, key_xor
    from {{ state }}
    {%- else %}
    {{ creditmart.stored_bucket_checksums(this) }}
    {%- endif %}
),

changed_buckets as materialized (
    select
        coalesce(snapshot_buckets.raw_bucket, stored_buckets.raw_bucket) as raw_bucket,
        -- a bucket the table does not have: all its rows are new
        stored_buckets.raw_bucket is null as is_new_bucket
    from snapshot_buckets
    full join stored_buckets
        on snapshot_buckets.raw_bucket = stored_buckets.raw_bucket
    where snapshot_buckets.row_count is distinct from stored_buckets.row_count
        or snapshot_buckets.key_sum is distinct from stored_buckets.key_sum
        or snapshot_buckets.key_xor is distinct from stored_buckets.key_xor
),

diffed_rows as materialized (
    -- the key hashed only here, after the bucket filter
    select
        changed_rows.*,
        {{ creditmart.raw_row_key(key_columns) }} as raw_row_key
    from (
        select * from source
        where raw_bucket in (select raw_bucket from changed_buckets)
    ) as changed_rows
),
    {%- set snapshot = 'diffed_rows' -%}
    {%- set stored = '(select raw_row_key, raw_bucket from ' ~ this ~ ' where raw_bucket in (select raw_bucket from changed_buckets))' -%}
    {%- else -%}
    {%- set snapshot = 'source' -%}
    {%- set stored = this -%}
    {%- endif %}
-- the keys whose number of rows differs between the snapshot and the table:
-- one aggregate over both, no join (half the memory of two counts joined,
-- which spilled with two staging models at once: BENCHMARKS.md, item 9)
{%- set bucket = ', raw_bucket' if bucketed else '' %}
key_changes as materialized (
    select
        raw_row_key{{ bucket }},
        count(case when is_snapshot then 1 end) > 0 as is_arrived
    from (
        select raw_row_key{{ bucket }}, true as is_snapshot from {{ snapshot }}
        {%- if bucketed %}
        -- (the rows of new buckets arrive without a key comparison)
        where raw_bucket in (select raw_bucket from changed_buckets where not is_new_bucket)
        {%- endif %}
        union all
        select raw_row_key{{ bucket }}, false as is_snapshot from {{ stored }}
    ) as keys
    -- (a key's bucket is a function of its columns)
    group by raw_row_key{{ bucket }}
    having count(case when is_snapshot then 1 end) <> count(case when not is_snapshot then 1 end)
),

arrived_keys as (
    -- new, or a different number of identical rows
    select raw_row_key from key_changes where is_arrived
),

departed_keys as (
    -- gone from the snapshot (with their bucket: the strategy's deletes
    -- read only the changed buckets)
    select raw_row_key{{ bucket }} from key_changes where not is_arrived
),

snapshot_rows as (
    select {{ snapshot }}.*
    from {{ snapshot }}
    semi join arrived_keys
        on {{ snapshot }}.raw_row_key = arrived_keys.raw_row_key
    {%- if bucketed %}

    union all

    -- every row of a bucket the table does not have (a new paid month, a
    -- first delivery): no key to compare it with
    select {{ snapshot }}.*
    from {{ snapshot }}
    where raw_bucket in (select raw_bucket from changed_buckets where is_new_bucket)
    {%- endif %}
),
    {%- elif bucketed %}
snapshot_rows as (
    select *, {{ creditmart.raw_row_key(key_columns) }} as raw_row_key
    from source
),
    {%- else %}
snapshot_rows as (
    select * from source
),
    {%- endif %}
{%- endmacro %}

{#- DuckDB materializes a CTE read twice; the diff reads `source` twice
    (the keys or bucket sums, then the rows to parse) and keeps only the
    rows to parse. -#}
{% macro cte_not_materialized() -%}
    {{ 'not materialized' if target.type == 'duckdb' else '' }}
{%- endmacro %}

{#- A bucket of raw rows for the bucketed diff: the first `prefix`
    characters of `first` (a month of a date), then the `others` as they
    are, joined; never null. The raw text is not trimmed: any function of
    the raw columns is correct, this one is cheap (18M rows hashed twice in
    a month's build). -#}
{% macro raw_bucket(first, prefix, others=[]) -%}
    coalesce(substr({{ first }}, 1, {{ prefix }}), '')
    {%- for column in others %} || '/' || coalesce({{ column }}, ''){% endfor %}
{%- endmacro %}

{#- build_state.<model>_buckets: the bucket checksums of a bucketed staging
    table, written by the snapshot_diff strategy with every change to the
    table, so a build compares the snapshot with them instead of reading
    the table's keys (BENCHMARKS.md, item 27). -#}
{% macro bucket_state_relation(model) -%}
    {{ return(api.Relation.create(database=target.database, schema=creditmart.state_schema(), identifier=model ~ '_buckets')) }}
{%- endmacro %}

{#- `raw_bucket in (...)` of a list of buckets (literals, so the scan
    filters on them before any key is looked up); never true when empty. -#}
{% macro in_buckets(buckets) -%}
    raw_bucket in ({% for bucket in buckets %}'{{ bucket | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% else %}null{% endfor %})
{%- endmacro %}

{#- post-hook of a bucketed staging model: unless the strategy kept its
    bucket checksums in this build (kept_at), compute them from the table
    (a first build, a full refresh, a rebuild in full, an upgrade). -#}
{% macro keep_bucket_state() -%}
    {%- if target.type != 'duckdb' -%}
        {{ return('select 1 as no_bucket_state') }}
    {%- endif -%}
    {%- set state = creditmart.bucket_state_relation(this.identifier) -%}
    {%- set stamp = "timestamp '" ~ creditmart.build_stamp() ~ "'" -%}
    {%- if adapter.get_relation(state.database, state.schema, state.identifier) is not none
          and run_query('select count(*) from ' ~ state ~ ' where kept_at = ' ~ stamp).rows[0][0] > 0 -%}
        {{ return('select 1 as bucket_state_kept') }}
    {%- endif -%}
    create or replace table {{ state }} as
    select *, {{ stamp }} as kept_at
    from ({{ creditmart.stored_bucket_checksums(this) }}) as checksums
{%- endmacro %}

{#- `select` of the bucket checksums of a bucketed staging table's rows
    (all of them, or those `where` keeps). -#}
{% macro stored_bucket_checksums(relation, where=none) -%}
    select raw_bucket, {{ creditmart.bucket_checksum('cast(raw_row_key >> 64 as ubigint)') }}
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    group by raw_bucket
{%- endmacro %}

{#- Order-free checksum of a bucket's rows from a 64-bit hash of each: the
    number of rows, the (exact) sum and the xor of the hashes; a duplicate
    pair changed into another pair moves the sum. -#}
{% macro bucket_checksum(hash_column) -%}
    count(*) as row_count,
        sum({{ hash_column }}) as key_sum,
        bit_xor({{ hash_column }}) as key_xor
{%- endmacro %}

{#- After the model's final select: one marker row (row_fingerprint null) per
    departed key, which the snapshot_diff strategy deletes and never inserts. -#}
{% macro snapshot_diff_markers() -%}
    {%- if creditmart.incremental_mode() %}
union all by name
select * from departed_keys
    {%- endif %}
{%- endmacro %}

{#- dbt incremental strategy: replace every row of the keys in the new batch,
    insert the batch's real rows (markers have a null row_fingerprint), and
    log the change_columns of the rows that left and arrived, stamped with
    this build, in build_state.<model>_changes. Outside incremental mode the
    table is replaced and the log started again (downstream rebuilds in full
    then). -#}
{% macro get_incremental_snapshot_diff_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set logged = config.get('change_columns') | join(', ') -%}
    {%- set changes = creditmart.changes_relation(target.identifier) -%}
    {%- set stamp_value = "timestamp '" ~ creditmart.build_stamp() ~ "'" -%}
    {%- set stamp = stamp_value ~ " as stamp" -%}
    {%- set bucketed = 'raw_bucket' in arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set state = creditmart.bucket_state_relation(target.identifier) -%}
    {%- set state_kept = bucketed and creditmart.incremental_mode()
                         and adapter.get_relation(state.database, state.schema, state.identifier) is not none -%}
    {% if not creditmart.incremental_mode() -%}
    -- a full build starts the log again, with the model's change_columns
    drop table if exists {{ changes }};
    {% endif -%}
    create table if not exists {{ changes }} as
    select {{ logged }}, 'departed' as change, {{ stamp }} from {{ target }} where false;

    {% if creditmart.incremental_mode() -%}
    {%- set replaced = 'raw_row_key in (select raw_row_key from ' ~ source ~ ')' -%}
    {%- set any_replaced = true -%}
    {%- if bucketed -%}
    {#- bucketed: only the batch's buckets hold its keys (a literal list,
        filtered in the scan before any key is looked up) -#}
    {%- set buckets = run_query('select distinct raw_bucket from ' ~ source ~ ' where raw_bucket is not null').columns[0].values() -%}
    {%- set in_buckets = creditmart.in_buckets(buckets) -%}
    {%- set stored_buckets = buckets -%}
    {%- if state_kept -%}
    {#- and of those, only the buckets the table has rows in (its checksums
        list every one): a month's new buckets have none to replace -#}
    {%- set stored_buckets = run_query('select raw_bucket from ' ~ state ~ ' where ' ~ in_buckets).columns[0].values() -%}
    {%- endif -%}
    {%- set any_replaced = stored_buckets | length > 0 -%}
    {%- set replaced = creditmart.in_buckets(stored_buckets) ~ '\n        and ' ~ replaced -%}
    {%- endif %}
    -- changes every model has seen are of no further use
    delete from {{ changes }}
    where stamp <= (select min(built_at) from {{ creditmart.state_schema() }}.watermarks);
    {%- if any_replaced %}

    insert into {{ changes }}
    select {{ logged }}, 'departed', {{ stamp }} from {{ target }}
    where {{ replaced }};

    delete from {{ target }}
    where {{ replaced }};
    {%- endif %}

    insert into {{ changes }}
    select {{ logged }}, 'arrived', {{ stamp }} from {{ source }}
    where row_fingerprint is not null;
    {%- else -%}
    delete from {{ target }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where row_fingerprint is not null;

    {%- if state_kept %}

    -- the checksums of the batch's buckets, now the snapshot's
    delete from {{ state }}
    where {{ in_buckets }};

    insert into {{ state }}
    select *, {{ stamp_value }} as kept_at
    from ({{ creditmart.stored_bucket_checksums(target, in_buckets) }}) as changed;

    update {{ state }} set kept_at = {{ stamp_value }}
    {%- endif %}
{%- endmacro %}
