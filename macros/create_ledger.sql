{#- The furnished-state ledger (EXPORT.md): state, not a derivation. dbt only
    makes sure its tables exist (create if not exists) so the models can read
    them as a source; only `creditmart export` writes rows, and no dbt run,
    --full-refresh included, drops or rewrites them. -#}
{% macro create_ledger() -%}
    {{ return(adapter.dispatch('create_ledger', 'creditmart')()) }}
{%- endmacro %}

{% macro default__create_ledger() -%}
    create schema if not exists {{ var('ledger_schema') }};
    create table if not exists {{ var('ledger_schema') }}.furnished_account_records (
        report_month varchar not null,
        account_id varchar not null,
        borrower_id varchar not null,
        account_type varchar,
        open_date date,
        loan_amount decimal(18, 2),
        credit_limit decimal(18, 2),
        rpt_date_code varchar,
        acct_status varchar,
        balance decimal(18, 2),
        remaining_periods integer,
        five_tier_class varchar,
        rpy_status varchar,
        overdue_periods integer,
        total_overdue decimal(18, 2),
        overdue_principal decimal(18, 2),
        overdue_principal_31_60 decimal(18, 2),
        overdue_principal_61_90 decimal(18, 2),
        overdue_principal_91_180 decimal(18, 2),
        overdue_principal_over_180 decimal(18, 2),
        current_due_amount decimal(18, 2),
        current_paid_amount decimal(18, 2),
        last_payment_amount decimal(18, 2),
        last_payment_date date,
        closed_date date,
        consent_event_id varchar,
        record_sha256 varchar not null,
        file_name varchar not null,
        generated_at timestamp not null,
        project_revision varchar,
        primary key (report_month, account_id)
    );
    create table if not exists {{ var('ledger_schema') }}.furnished_person_records (
        report_month varchar not null,
        borrower_id varchar not null,
        rpt_date_code varchar,
        record_sha256 varchar not null,
        file_name varchar not null,
        generated_at timestamp not null,
        project_revision varchar,
        primary key (report_month, borrower_id)
    );
    create table if not exists {{ var('ledger_schema') }}.furnished_deletions (
        report_month varchar not null,
        account_id varchar not null,
        reason varchar,
        file_name varchar not null,
        generated_at timestamp not null,
        project_revision varchar,
        primary key (report_month, account_id)
    )
{%- endmacro %}

{% macro spark__create_ledger() -%}
    {%- set schema = var('ledger_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- do run_query('create table if not exists ' ~ schema ~ '.furnished_account_records (report_month string, account_id string, borrower_id string, account_type string, open_date date, loan_amount decimal(18, 2), credit_limit decimal(18, 2), rpt_date_code string, acct_status string, balance decimal(18, 2), remaining_periods int, five_tier_class string, rpy_status string, overdue_periods int, total_overdue decimal(18, 2), overdue_principal decimal(18, 2), overdue_principal_31_60 decimal(18, 2), overdue_principal_61_90 decimal(18, 2), overdue_principal_91_180 decimal(18, 2), overdue_principal_over_180 decimal(18, 2), current_due_amount decimal(18, 2), current_paid_amount decimal(18, 2), last_payment_amount decimal(18, 2), last_payment_date date, closed_date date, consent_event_id string, record_sha256 string, file_name string, generated_at timestamp, project_revision string) using parquet') -%}
    {%- do run_query('create table if not exists ' ~ schema ~ '.furnished_person_records (report_month string, borrower_id string, rpt_date_code string, record_sha256 string, file_name string, generated_at timestamp, project_revision string) using parquet') -%}
    {%- do run_query('create table if not exists ' ~ schema ~ '.furnished_deletions (report_month string, account_id string, reason string, file_name string, generated_at timestamp, project_revision string) using parquet') -%}
    select 1 as ledger_ok
{%- endmacro %}
