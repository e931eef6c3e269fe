{#- Bookkeeping of incremental builds (README.md "Incremental builds").

    build_state.watermarks: per incremental model, the stamp (dbt's
    run_started_at) of its last successful build, and of its last full one.
    Written by a post-hook inside the model's transaction, so a failed or
    killed build leaves the old stamp and the next build redoes that work.

    build_state.<staging model>_changes: the keys of every staged row that
    arrived or left, with the stamp of the build that saw it. A downstream
    model recomputes the keys of changes newer than its own watermark.

    A model builds incrementally only when its table exists, it has a
    watermark, its SQL file is unchanged, and no model was rebuilt in full
    since (a full refresh of any part makes every later model rebuild in
    full once). -#}

{% macro state_schema() -%}
    {{ return(var('state_schema', 'build_state')) }}
{%- endmacro %}

{% macro create_build_state() -%}
    {{ return(adapter.dispatch('create_build_state', 'creditmart')()) }}
{%- endmacro %}

{% macro default__create_build_state() -%}
    create schema if not exists {{ creditmart.state_schema() }};
    create table if not exists {{ creditmart.state_schema() }}.watermarks (
        model varchar primary key,
        built_at timestamp not null,
        full_built_at timestamp not null,
        -- the first and last month of the mart when the model was built
        first_month date,
        through_month date,
        -- month-layer models: the month every account was rebuilt from
        recomputed_from date,
        -- checksum of the model's SQL file: an edited model rebuilds in full
        code_checksum varchar
    );
    -- databases built by an earlier version
    alter table {{ creditmart.state_schema() }}.watermarks add column if not exists first_month date;
    alter table {{ creditmart.state_schema() }}.watermarks add column if not exists through_month date;
    alter table {{ creditmart.state_schema() }}.watermarks add column if not exists recomputed_from date;
    alter table {{ creditmart.state_schema() }}.watermarks add column if not exists code_checksum varchar;
    -- models no longer incremental (a release made them views): their stale
    -- watermark would hold back the pruning of the change logs
    {%- set incremental_models = [] -%}
    {%- for node in (graph.nodes.values() if execute else []) if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- do incremental_models.append(node.alias) -%}
    {%- endfor %}
    {%- if incremental_models %}
    delete from {{ creditmart.state_schema() }}.watermarks
    where model not in ('{{ incremental_models | join("', '") }}');
    {%- endif %}
    -- the keys the per-fact models' builds wrote, kept for their tests until
    -- row_built_at replaced them
    {%- for model in incremental_models + ['int_installment_payoffs'] %}
    drop table if exists {{ creditmart.written_keys_relation(model) }};
    {%- endfor %}
    select 1 as build_state_ready
{%- endmacro %}

{% macro spark__create_build_state() -%}
    select 1 as build_state_unused
{%- endmacro %}

{#- The stamp of this invocation: every row of changes it writes carries it. -#}
{% macro build_stamp() -%}
    {{ return(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) }}
{%- endmacro %}

{#- The last column of the incremental intermediate models: the stamp of the
    build that wrote the row. A build appends its rows, so its tests read
    them by this column and skip the older row groups (zone maps). -#}
{% macro row_built_at() -%}
    cast('{{ creditmart.build_stamp() }}' as timestamp) as row_built_at
{%- endmacro %}

{#- The names of every model upstream of model `name` (refs and
    depends_on hints, transitively; a model's name is its table's). -#}
{% macro upstream_models(name) -%}
    {%- set ns = namespace(frontier=['model.creditmart.' ~ name], seen=[]) -%}
    {%- for _ in range(100) if ns.frontier -%}
        {%- set parents = [] -%}
        {%- for node_id in ns.frontier if node_id in graph.nodes -%}
            {%- for parent in graph.nodes[node_id].depends_on.nodes if parent.startswith('model.') and parent not in ns.seen -%}
                {%- do ns.seen.append(parent) -%}
                {%- do parents.append(parent) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ns.frontier = parents -%}
    {%- endfor -%}
    {{ return(ns.seen | map('replace', 'model.creditmart.', '') | list) }}
{%- endmacro %}

{#- SQL: the latest full rebuild that makes model `name` rebuild in full
    after it: of any model in an earlier invocation, or of a model upstream
    of it in this one. A full rebuild running beside the model in this
    invocation does not count: the model's SQL and its strategy must see the
    same watermark (they are rendered seconds apart), and it does not read
    what that rebuild writes. -#}
{% macro last_full_rebuild_for(name) -%}
    {%- set upstream = creditmart.upstream_models(name) -%}
    (select max(full_built_at) from {{ creditmart.state_schema() }}.watermarks
     where full_built_at < timestamp '{{ creditmart.build_stamp() }}'
        {%- if upstream %} or model in ('{{ upstream | join("', '") }}'){% endif %})
{%- endmacro %}

{#- The watermark of `this` as a timestamp literal, or none. -#}
{% macro watermark() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(built_at as varchar), "
        ~ "cast(" ~ creditmart.last_full_rebuild_for(this.identifier) ~ " > built_at "
        ~ "or code_checksum is distinct from '" ~ model.checksum.checksum ~ "' as boolean) "
        ~ "from " ~ creditmart.state_schema() ~ ".watermarks where model = '" ~ this.identifier ~ "'"
    ) -%}
    {%- if result.rows | length == 0 or result.rows[0][1] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(result.rows[0][0]) }}
{%- endmacro %}

{#- The condition keeping the rows an incremental model (or a stamped
    staging table) wrote after `since` (default: this model's watermark),
    by their row_built_at. -#}
{% macro written_since(since=none) -%}
    row_built_at > timestamp '{{ since or creditmart.watermark() }}'
{%- endmacro %}

{#- True when this model adds only what changed since its watermark. -#}
{% macro incremental_mode() -%}
    {{ return(is_incremental() and creditmart.watermark() is not none) }}
{%- endmacro %}

{#- post-hook of every incremental model (other engines rebuild tables) -#}
{% macro record_watermark() -%}
    {%- if target.type != 'duckdb' -%}
        {{ return('select 1 as no_watermark') }}
    {%- endif -%}
    {%- set stamp = "timestamp '" ~ creditmart.build_stamp() ~ "'" -%}
    {%- set incremental = creditmart.incremental_mode() -%}
    insert or replace into {{ creditmart.state_schema() }}.watermarks
        (model, built_at, full_built_at, first_month, through_month, recomputed_from, code_checksum)
    select
        '{{ this.identifier }}',
        {{ stamp }},
        {% if incremental -%}
        coalesce((select full_built_at from {{ creditmart.state_schema() }}.watermarks where model = '{{ this.identifier }}'), {{ stamp }})
        {%- else -%}
        {{ stamp }}
        {%- endif %},
        {% if this.identifier in creditmart.month_layer_models() -%}
        (select min(month_start) from {{ creditmart.reporting_months_relation() }}),
        {{ creditmart.reporting_month_start() }},
        date '{{ creditmart.month_layer_start() if incremental else '1900-01-01' }}'
        {%- else -%}
        null,
        null,
        null
        {%- endif %},
        '{{ model.checksum.checksum }}'
{%- endmacro %}

{#- int_reporting_months, read by hooks and strategies without a ref(). -#}
{% macro reporting_months_relation() -%}
    {{ return(creditmart.model_relation('int_reporting_months')) }}
{%- endmacro %}

{#- A model's relation without a ref() (hooks, strategies, tests). -#}
{% macro model_relation(name) -%}
    {%- if not execute -%}
        {{ return(this) }}
    {%- endif -%}
    {%- set node = graph.nodes['model.creditmart.' ~ name] -%}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- Where an earlier release kept the keys a per-fact model's build wrote. -#}
{% macro written_keys_relation(model_name) -%}
    {{ return(api.Relation.create(database=target.database, schema=creditmart.state_schema(), identifier=model_name ~ '_written_keys')) }}
{%- endmacro %}

{#- The change log of a staging model. -#}
{% macro changes_relation(staging_model) -%}
    {{ return(api.Relation.create(database=target.database, schema=creditmart.state_schema(), identifier=staging_model ~ '_changes')) }}
{%- endmacro %}

{#- Rows of a staging model's change log newer than this model's watermark
    (use only in incremental mode). The model must depend on the staging
    model (a ref, or a `-- depends_on:` line when it reads only the log). -#}
{% macro changed_rows(staging_model, since=none) -%}
    (select * from {{ creditmart.changes_relation(staging_model) }} where stamp > timestamp '{{ since or creditmart.watermark() }}')
{%- endmacro %}

{#- The account changes in the log (since the model's watermark) that are
    a closing alone: the account's single staged row left and came back with
    the same terms_fingerprint, only its (valid) closed_date set, moved or
    cleared. closed_date is point in time in the account-month layer and no
    per-fact rule reads it, so such a change reaches only the months from
    the earlier closed date. (account_id, earliest_closed_date) -#}
{% macro closing_only_changes(since=none) -%}
    (
        select
            changed.account_id,
            min(changed.closed_date) as earliest_closed_date
        from {{ creditmart.changed_rows('stg_lending__accounts', since) }} as changed
        where changed.account_id in (
            select account_id
            from {{ ref('stg_lending__accounts') }}
            group by account_id
            having count(*) = 1
        )
        group by changed.account_id
        having count(case when changed.change = 'departed' then 1 end) = 1
            and count(case when changed.change = 'arrived' then 1 end) = 1
            and count(distinct changed.terms_fingerprint) = 1
    )
{%- endmacro %}

{#- Accounts in the log whose change is more than a closing alone. -#}
{% macro changed_account_ids(since=none) -%}
    (
        select account_id from {{ creditmart.changed_rows('stg_lending__accounts', since) }}
        except
        select account_id from {{ creditmart.closing_only_changes(since) }}
    )
{%- endmacro %}

{#- `select borrower_id` of the borrowers in `changed` (a CTE of a
    borrowers change log: borrower_id, id_key) and every staged holder of
    an identity number they held or hold: ID-006 links borrowers sharing
    one. The model must ref stg_lending__borrowers. -#}
{% macro linked_borrower_ids(changed) -%}
    select borrower_id from {{ changed }}

    union

    select staged.borrower_id
    from {{ ref('stg_lending__borrowers') }} as staged
    where {{ creditmart.id_key('staged.id_type', 'staged.id_number') }} in (
        select id_key from {{ changed }} where id_key is not null
    )
{%- endmacro %}

{#- dbt incremental strategy: the stored rows of the keys the batch marks
    (rows whose marker_column is null, never inserted) are deleted and the
    batch's rows inserted; a key the batch writes must be marked unless it
    is new. Outside incremental mode the whole table is replaced. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set marker = config.get('marker_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if creditmart.incremental_mode() -%}
    delete from {{ target }}
    using (select distinct {{ keys | join(', ') }} from {{ source }} where {{ marker }} is null) as replaced
    where {% for key in keys %}{{ target }}.{{ key }} is not distinct from replaced.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %};
    {%- else -%}
    delete from {{ target }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where {{ marker }} is not null
{%- endmacro %}

{#- A subquery (account_id): the accounts of `accounts` (a relation of
    account ids) with rows in stg_lending__accounts staged before this
    model's last build: a row of theirs left since, or they have more
    staged rows than arrived since. The others are new to this model, so
    none of its rows was judged against them. -#}
{% macro accounts_staged_before(accounts) -%}
    (
        select candidates.account_id
        from (select distinct account_id from {{ accounts }}) as candidates
        left join (
            select account_id, count(*) as staged_rows
            from {{ ref('stg_lending__accounts') }}
            where account_id in (select account_id from {{ accounts }})
            group by account_id
        ) as staged
            on candidates.account_id = staged.account_id
        left join (
            select
                account_id,
                count(case when change = 'arrived' then 1 end) as arrived_rows,
                count(case when change = 'departed' then 1 end) as departed_rows
            from {{ creditmart.changed_rows('stg_lending__accounts') }}
            group by account_id
        ) as logged
            on candidates.account_id = logged.account_id
        where coalesce(logged.departed_rows, 0) > 0
            or coalesce(staged.staged_rows, 0) > coalesce(logged.arrived_rows, 0)
    )
{%- endmacro %}

{#- A borrower's identity number as a key for the change log: a hash, so
    no identity number is written outside the submission path. -#}
{% macro id_key(id_type, id_number) -%}
    md5(coalesce({{ id_type }}, '') || chr(31) || {{ id_number }})
{%- endmacro %}

{#- A CTE `older_keys`: the `keys` in `affected` that have rows of a
    bucketed staging model staged before this model's watermark, found by
    the keys alone (none in a month without late changes). Use only in
    incremental mode, with staged_rows_of_keys() and replaced_key_markers(). -#}
{% macro older_staged_keys(staging_model, affected, keys) -%}
older_keys as materialized (
    select distinct {{ keys | join(', ') }}
    from {{ ref(staging_model) }} as keyed
    {{ creditmart.semi_join_keys(affected, 'keyed', keys) }}
    where (keyed.{{ creditmart.written_since() }}) is not true
),
{%- endmacro %}

{#- A subquery: the rows of a bucketed staging model (aliased `staged`,
    `columns` selected) whose `keys` are in `affected` (use only in
    incremental mode, after older_staged_keys()). The rows staged since
    this model's watermark are the table's last row groups (row_built_at);
    the older rows of the same keys are those of `older_keys`, so the wide
    read fetches only them (none in a month without late changes: a semi
    join with nothing to build reads nothing). -#}
{% macro staged_rows_of_keys(staging_model, affected, keys, columns) -%}
    {%- set since = creditmart.written_since() -%}
    (
        select {{ columns | join(', ') }}
        from {{ ref(staging_model) }} as staged
        {{ creditmart.semi_join_keys(affected, 'staged', keys) }}
        where staged.{{ since }}

        union all

        select {{ columns | join(', ') }}
        from {{ ref(staging_model) }} as staged
        semi join older_keys
            on {% for key in keys %}staged.{{ key }} is not distinct from older_keys.{{ key }}{% if not loop.last %}
            and {% endif %}{% endfor %}
        where (staged.{{ since }}) is not true
    )
{%- endmacro %}

{#- `semi join <affected> on` every key null-safely equal: keeps the rows of
    the keys being recomputed. -#}
{% macro semi_join_keys(affected, relation_alias, keys) -%}
    semi join {{ affected }}
        on {% for key in keys %}{{ relation_alias }}.{{ key }} is not distinct from {{ affected }}.{{ key }}{% if not loop.last %}
        and {% endif %}{% endfor %}
{%- endmacro %}

{#- Marker rows of the keys being recomputed, after a model's final select:
    the replace_keys strategy deletes the stored rows of these keys. -#}
{% macro affected_key_markers(affected, keys) -%}
    {%- if creditmart.incremental_mode() %}
union all by name
select {{ keys | join(', ') }} from {{ affected }}
    {%- endif %}
{%- endmacro %}

{#- Marker rows of only the recomputed keys this model can have stored,
    after the final select of a model whose rows are keyed like a bucketed
    staging model's: a stored key had staged rows when this model was last
    built, which are still staged (older_staged_keys()) or have left since
    (the change log). A key staged only since then is new: no marker, so
    the strategy's delete skips the scan of the table when every key is new
    (the month's new payments and installments: BENCHMARKS.md, item 39). -#}
{% macro replaced_key_markers(staging_model, keys) -%}
    {%- if creditmart.incremental_mode() %}
union all by name
select {{ keys | join(', ') }} from older_keys

union all by name
select distinct {{ keys | join(', ') }}
from {{ creditmart.changed_rows(staging_model) }}
where change = 'departed'
    {%- endif %}
{%- endmacro %}

{#- config() arguments of a model recomputed by key (replace_keys).
    joins_as_written: in an incremental build DuckDB hashes the right side
    of every join as written (staged_rows_of_keys: the affected keys, not
    the 17-23M older rows, which a far too large estimate of the keys made
    it hash: BENCHMARKS.md, item 28). -#}
{% macro incremental_by_key(unique_key, marker_column, joins_as_written=false) -%}
    {%- set options = {
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'replace_keys',
        'unique_key': unique_key,
        'marker_column': marker_column,
        'post_hook': ["{{ creditmart.record_watermark() }}"],
    } -%}
    {%- if joins_as_written and target.type == 'duckdb' -%}
        {%- do options.update({'pre_hook': ["{{ creditmart.joins_as_written(creditmart.incremental_mode()) }}"]}) -%}
        {%- do options['post_hook'].append("{{ creditmart.joins_as_written(false) }}") -%}
    {%- endif -%}
    {{ return(options) }}
{%- endmacro %}

{#- Hook: DuckDB builds each join's hash table on its right side as written
    (on), or as the optimizer chooses (off, the default). The setting
    belongs to the thread's connection, so the post-hook turns it off. -#}
{% macro joins_as_written(on) -%}
    {%- if on -%}
    set disabled_optimizers = 'build_side_probe_side'
    {%- else -%}
    reset disabled_optimizers
    {%- endif -%}
{%- endmacro %}

{#- CTE `affected`: the installment keys whose payment allocation or payoff
    may have changed: installments whose rows changed, every installment of
    an account whose rows changed, and the installments of payments whose
    rows changed (with every other version of their payment_id). The checked
    installments and payments written since this model's watermark (their
    row_built_at) are those of the changed rows, accounts and installments:
    read from the tables' last row groups, not found by key in every row. An
    installment that left is in the change log with its key. -#}
{% macro affected_installment_keys() -%}
affected as materialized (
    -- installments that left (their rows are in the log) or were rewritten
    select account_id, installment_no
    from {{ creditmart.changed_rows('stg_lending__installments') }}

    union

    select account_id, installment_no
    from {{ ref('int_installments_checked') }}
    where {{ creditmart.written_since() }}


    union

    -- payments that left, or were rewritten
    select account_id, installment_no
    from {{ creditmart.changed_rows('stg_lending__payments') }}

    union

    select account_id, installment_no
    from {{ ref('int_payments_checked') }}
    where {{ creditmart.written_since() }}
),
{%- endmacro %}

{#- ---- The account-month layer -------------------------------------------

    Its models (int_account_months_scoped .. fct_account_months) recompute,
    in an incremental build, every account from the first month not built
    yet (the new month) and, for the accounts in int_account_month_changes,
    from the earliest month a changed fact can reach. Every other row stays:
    a month's row depends only on facts up to that month (and the ledger
    before it), so a fact of month m cannot change an earlier month. -#}

{% macro month_layer_models() -%}
    {{ return(['int_account_months_scoped', 'int_installment_overdue_months', 'int_account_months_derived',
               'int_account_month_progressions', 'int_account_month_errors', 'fct_account_months',
               'rpt_submission_reconciliation', 'rpt_consent_coverage', 'submission_account_records',
               'submission_person_records']) }}
{%- endmacro %}

{#- The oldest watermark of the month layer: int_account_month_changes
    collects the changes since then (none: the layer builds in full). -#}
{% macro month_layer_watermark() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(min(built_at) as varchar), "
        ~ "cast(min(built_at) < " ~ creditmart.last_full_rebuild_for('int_account_month_changes') ~ " as boolean) "
        ~ "from " ~ creditmart.state_schema() ~ ".watermarks "
        ~ "where model in ('" ~ creditmart.month_layer_models() | join("', '") ~ "')"
    ) -%}
    {#- after a full rebuild of any model in an earlier build, or of one
        upstream of int_account_month_changes in this build, the layer
        rebuilds in full too (each of its models decides the same way) -#}
    {{ return(none if result.rows[0][1] else result.rows[0][0]) }}
{%- endmacro %}

{#- First month every account is recomputed from ('YYYY-MM-DD'): the month
    after the last one built, or after the reporting month when it went back;
    every month when the mart's first month moved. -#}
{% macro month_layer_start() -%}
    {%- if not execute -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(case when first_month is distinct from (select min(month_start) from "
        ~ creditmart.reporting_months_relation() ~ ") then date '1900-01-01' "
        ~ "else cast(least(through_month, " ~ creditmart.reporting_month_start() ~ ") + interval 1 month as date) end as varchar) "
        ~ "from " ~ creditmart.state_schema() ~ ".watermarks where model = '" ~ this.identifier ~ "'"
    ) -%}
    {{ return(result.rows[0][0] if result.rows | length > 0 else '1900-01-01') }}
{%- endmacro %}

{#- The latest month_layer_start() of the layer's models: an account whose
    changes reach no earlier month is rebuilt with every other account. -#}
{% macro month_layer_latest_start() -%}
    {%- set result = run_query(
        "select cast(max(least(through_month, " ~ creditmart.reporting_month_start() ~ ") + interval 1 month) as date) "
        ~ "from " ~ creditmart.state_schema() ~ ".watermarks "
        ~ "where model in ('" ~ creditmart.month_layer_models()[:6] | join("', '") ~ "')"
    ) -%}
    {{ return(result.rows[0][0] | string) }}
{%- endmacro %}

{#- The (account, month) rows an incremental build recomputes, as a
    relation `<relation or subquery> as <alias>`: the new months of every
    account, and the months of int_account_month_changes' accounts from their
    from_month. Two selects unioned: the new months by a filter the scan
    applies (they are the table's last row groups), the changed accounts'
    earlier months by an inner join (40k accounts at 1M borrowers), so no
    select reads every column of every stored month (an `or` over a left
    join did; a correlated `exists` was decorrelated into a hash aggregate
    over every stored pair: BENCHMARKS.md, items 8 and 22). Select
    `<alias>.*` or qualified columns; `condition` (on <alias>) is and-ed to
    the window. -#}
{% macro month_window(relation, alias, condition=none) -%}
    {%- if creditmart.incremental_mode() -%}
    {%- set window_start = "date '" ~ creditmart.month_layer_start() ~ "'" -%}
    (
        select {{ alias }}.*
        from {{ relation }} as {{ alias }}
        where {{ alias }}.month_start >= {{ window_start }}
            {%- if condition %}
            and {{ condition }}
            {%- endif %}

        union all

        select {{ alias }}.*
        from {{ relation }} as {{ alias }}
        inner join {{ ref('int_account_month_changes') }} as {{ alias }}_changes
            on {{ alias }}.account_id = {{ alias }}_changes.account_id
        where {{ alias }}.month_start < {{ window_start }}
            and {{ alias }}.month_start >= {{ alias }}_changes.from_month
            {%- if condition %}
            and {{ condition }}
            {%- endif %}
    ) as {{ alias }}
    {%- else -%}
    {{ relation }} as {{ alias }}
    {%- if condition %}
    where {{ condition }}
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- A subquery (account_id, replaced_from): for each account of
    `account_ids` (a relation), the first month an incremental build of the
    month layer replaces: the account's from_month in
    int_account_month_changes, else the new months' start. The stored rows
    before it are kept, so a running total or a history continues from the
    row of the month before it, never from a row being replaced: an account
    whose open date moved later has rows from its old first months until
    the strategy deletes them (the account's new first month is later than
    the first month replaced). -#}
{% macro replaced_from_months(account_ids) -%}
    {%- set window_start = "date '" ~ creditmart.month_layer_start() ~ "'" -%}
    (
        select
            windowed.account_id,
            least(coalesce(changed.from_month, {{ window_start }}), {{ window_start }}) as replaced_from
        from (select distinct account_id from {{ account_ids }}) as windowed
        left join {{ ref('int_account_month_changes') }} as changed
            on windowed.account_id = changed.account_id
    )
{%- endmacro %}

{#- True when an incremental build of the month layer adds the reporting
    month only (it follows the last month built): every account outside
    int_account_month_changes then has one row to build, whose running
    totals and history are its previous row's plus its own month, so no
    window over its months is needed (a window over 1.5M one-row partitions
    cost 1.6-1.9 operator-seconds per model at 1M: BENCHMARKS.md, item 43). -#}
{% macro builds_one_new_month() -%}
    {{ return(creditmart.incremental_mode() and creditmart.month_layer_start() == creditmart.reporting_month() ~ '-01') }}
{%- endmacro %}

{#- config() arguments of a month-layer model. -#}
{% macro incremental_by_month(extra={}) -%}
    {%- set options = {
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'replace_months',
        'post_hook': ["{{ creditmart.record_watermark() }}"],
    } -%}
    {%- do options.update(extra) -%}
    {{ return(options) }}
{%- endmacro %}

{#- dbt incremental strategy of the month layer: delete the rows of the
    recompute window, insert the new ones (all of them outside incremental
    mode). The config month_start_column (default month_start) names the
    month's first day in the target. -#}
{% macro get_incremental_replace_months_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set month_start = config.get('month_start_column', 'month_start') -%}
    {%- if creditmart.incremental_mode() -%}
    delete from {{ target }}
    where {{ month_start }} >= date '{{ creditmart.month_layer_start() }}';

    delete from {{ target }}
    using {{ ref('int_account_month_changes') }} as changed_accounts
    where {{ target }}.account_id = changed_accounts.account_id
        and {{ month_start }} >= changed_accounts.from_month;
    {%- else -%}
    delete from {{ target }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}

{#- Monthly reports: the first month ('YYYY-MM-DD') whose rows an incremental
    build may have changed; every later month is aggregated again. -#}
{% macro report_layer_start() -%}
    {%- if not execute -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(least(min(from_month), date '" ~ creditmart.month_layer_start() ~ "') as varchar) from "
        ~ ref('int_account_month_changes')
    ) -%}
    {{ return(result.rows[0][0]) }}
{%- endmacro %}

{#- config() arguments of a monthly report. -#}
{% macro incremental_by_report_month() -%}
    {{ return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'replace_report_months',
        'on_schema_change': 'fail',
        'post_hook': ["{{ creditmart.record_watermark() }}"],
    }) }}
{%- endmacro %}

{#- dbt incremental strategy of the monthly reports: replace every month
    from report_layer_start(). -#}
{% macro get_incremental_replace_report_months_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if creditmart.incremental_mode() -%}
    delete from {{ target }}
    where report_month >= '{{ creditmart.report_layer_start()[:7] }}';
    {%- else -%}
    delete from {{ target }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}

{#- post-hook of a staging model: its change log exists from the first build
    on, so every later build can read it. -#}
{% macro ensure_change_log() -%}
    {%- if target.type != 'duckdb' -%}
        {{ return('select 1 as no_change_log') }}
    {%- endif -%}
    create table if not exists {{ creditmart.changes_relation(this.identifier) }} as
    select {{ config.get('change_columns') | join(', ') }}, 'departed' as change, timestamp '{{ creditmart.build_stamp() }}' as stamp
    from {{ this }}
    where false
{%- endmacro %}

{#- ---- Tests after an incremental build ----------------------------------

    dbt's generic tests, and the CHK guards (tests/singular/guards), read
    their model through get_where_subquery. After
    an incremental build of a month-layer or per-fact model they read only
    the rows this build wrote: in the intermediate models the rows stamped
    with this build's row_built_at (appended last, so the other row groups
    are skipped); in fct_account_months and submission_account_records the
    months recomputed for every account and the accounts of
    int_account_month_changes. After a full
    build (and on other engines) they read everything. A periodic
    --full-refresh tests every row again. The consent and conservation
    assertions read every row: they check what the incremental build left
    as well as what it wrote. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scope = creditmart.incremental_test_scope(relation) -%}
    {%- if scope -%}
        {%- set where = scope if not where else '(' ~ where ~ ') and ' ~ scope -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- none after a full build; else the condition on the tested relation
    that keeps the rows this build wrote. -#}
{% macro incremental_test_scope(relation) -%}
    {%- if not execute or target.type != 'duckdb' or relation.identifier is not defined -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stamped = ['int_borrowers_checked', 'int_accounts_checked', 'int_installments_checked',
                       'int_payments_checked', 'int_installment_payment_months']
                      + creditmart.month_layer_models()[:5] -%}
    {#- a view tested by the stamps of its table's build -#}
    {%- set built_by = {'int_installment_payoffs': 'int_installment_payment_months'} -%}
    {%- set built = built_by.get(relation.identifier, relation.identifier) -%}
    {%- if built not in stamped + ['fct_account_months', 'submission_account_records'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stamp = creditmart.build_stamp() -%}
    {%- set result = run_query(
        "select cast(recomputed_from as varchar) from " ~ creditmart.state_schema() ~ ".watermarks "
        ~ "where model = '" ~ built ~ "' and built_at = timestamp '" ~ stamp ~ "' "
        ~ "and full_built_at < built_at"
    ) -%}
    {%- if result.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if built in stamped -%}
        {{ return("row_built_at = timestamp '" ~ stamp ~ "'") }}
    {%- endif -%}
    {#- fct_account_months and the submission file's records: the window's
        months, and the months of the changed accounts from the earliest
        change (none: a filter the scan applies to the new months alone) -#}
    {%- set changes = creditmart.model_relation('int_account_month_changes') -%}
    {%- set earliest = run_query("select cast(min(from_month) as varchar) from " ~ changes).rows[0][0] -%}
    {%- set window_start = result.rows[0][0] -%}
    {%- if built == 'fct_account_months' -%}
        {%- set month = 'month_start' -%}
        {%- set window = "date '" ~ window_start ~ "'" -%}
        {%- set first = "date '" ~ earliest ~ "'" if earliest is not none else none -%}
    {%- else -%}
        {#- the records carry their month as YYYY-MM -#}
        {%- set month = 'report_month' -%}
        {%- set window = "'" ~ window_start[:7] ~ "'" -%}
        {%- set first = "'" ~ earliest[:7] ~ "'" if earliest is not none else none -%}
    {%- endif -%}
    {%- if first is none -%}
        {{ return(month ~ " >= " ~ window) }}
    {%- endif -%}
    {{ return(month ~ " >= least(" ~ window ~ ", " ~ first ~ ") and (" ~ month ~ " >= " ~ window
              ~ " or account_id in (select account_id from " ~ changes ~ "))") }}
{%- endmacro %}
