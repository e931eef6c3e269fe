"""An incremental build equals a full build of the same snapshot.

Snapshot S1 is what the lender delivered for 2026-09 (bench/run.py's
snapshot_before, less one paid installment); S2 is the 2026-10 snapshot plus
changes to history: a late payment, a vanished payment, an exact duplicate, a
conflicting payment version, changed and blanked borrower fields, a
whitespace-only change, a removed installment and the late one, a changed
loan amount, an open date moved later, the late account of orphan payments
and installments, a late withdrawal and a new notice. Building S1 then S2
into one file must give every model, row for row, what a fresh build of S2
gives.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import CREDITMART, load_bench, run_dbt

MODEL_SCHEMAS = ("main", "staging", "intermediate")
# the D1 account whose schedule A-UNKNOWN's late account copies, and the
# installment S1 lacks (both paid before 2026-09 in the generated data)
LATE_ACCOUNT_TEMPLATE = "A0000000002"
LATE_INSTALLMENT = "('A0000000002', '2')"


def change_history(raw: Path, out: Path) -> Path:
    """S2: the full snapshot with changes that reach back into earlier months."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()

    def read(entity: str) -> str:
        return f"read_parquet('{raw}/{entity}.parquet')"

    statements = {
        "payments": f"""
            with base as (select *, row_number() over (order by payment_id) as n from {read("payments")}
                          where try_cast(amount as decimal(18, 2)) > 0 and paid_at like '2026-0%')
            select * replace (
                case when payment_id = (select payment_id from base where n = 17)      -- amount corrected
                     then cast(try_cast(amount as decimal(18, 2)) + 1 as varchar) else amount end as amount)
            from {read("payments")}
            where payment_id is distinct from (select payment_id from base where n = 5)  -- vanished
            union all select * exclude (n) from base where n = 7                       -- exact duplicate
            union all select * exclude (n) replace ('2026-06-15T10:00:00+08:00' as paid_at)
                from base where n = 11                                                 -- conflicting version
            union all select * exclude (n) replace ('LATE-1' as payment_id, '2026-06-20T09:00:00+08:00' as paid_at)
                from base where n = 13                                                 -- late payment
        """,
        "borrowers": f"""
            with base as (select *, row_number() over (order by borrower_id) as n from {read("borrowers")})
            select * exclude (n) replace (
                case when n = 3 then '13900000000' else mobile_phone end as mobile_phone,
                case when n = 4 then ' ' else full_name end as full_name,
                case when n = 6 then '  ' || region_code || ' ' else region_code end as region_code,
                -- takes borrower 2's identity number: both share it (ID-006), borrower 2 unchanged
                case when n = 8 then (select id_type from base where n = 2) else id_type end as id_type,
                case when n = 8 then (select id_number from base where n = 2) else id_number end as id_number)
            from base
        """,
        "installments": f"""
            with gone as (select account_id, installment_no from {read("installments")} as paid
                          where account_id in (select account_id from {read("accounts")} where account_type = 'D1'
                                               and closed_date is null and open_date < '2026-06-01')
                              and exists (select 1 from {read("payments")} as p where p.account_id = paid.account_id
                                          and p.installment_no = paid.installment_no)  -- now naming none
                          order by account_id, installment_no limit 1 offset 40)  -- ACC-006 from then on
            , corrected as (select account_id, installment_no from {read("installments")}
                          where account_id in (select account_id from {read("accounts")} where account_type = 'D1'
                                               and closed_date is null and open_date < '2026-06-01')
                          order by account_id, installment_no limit 1 offset 90)  -- principal corrected
            select * replace (
                case when exists (select 1 from corrected where corrected.account_id = i.account_id
                                  and corrected.installment_no = i.installment_no)
                     then cast(try_cast(principal_due as decimal(18, 2)) + 1 as varchar)
                     else principal_due end as principal_due)
            from {read("installments")} as i
            where not exists (select 1 from gone where gone.account_id is not distinct from i.account_id
                              and gone.installment_no is not distinct from i.installment_no)
        """,
        "accounts": f"""
            with base as (select *, row_number() over (order by account_id) as n from {read("accounts")}),
            picked as (
                select
                    (select min(n) from base where closed_date is null and open_date < '2026-04-01'
                        and n > 20) as retro,                                   -- closed retroactively
                    (select min(n) from base where closed_date < '2026-08-01') as reopened,  -- closing withdrawn
                    (select min(n) from base where closed_date >= '2026-08-01'
                        and closed_date < '2026-09-01') as moved,             -- closing moved earlier
                    (select min(n) from base where closed_date is null and n > 30) as before_open,  -- ACC-005
                    (select min(n) from base where closed_date is null and account_type = 'D1'
                        and open_date < '2026-01-01' and n > 40) as opened_later  -- PAY-004, INS-001
            )
            select * exclude (n) replace (
                case when n = 9 and account_type = 'D1'
                     then cast(try_cast(loan_amount as decimal(18, 2)) + 100 as varchar)
                     else loan_amount end as loan_amount,
                case n
                    when picked.retro then '2026-06-30'
                    when picked.reopened then null
                    when picked.moved then '2026-07-02'
                    when picked.before_open then '2019-12-31'
                    else closed_date
                end as closed_date,
                case when n = picked.opened_later
                     then cast(try_cast(open_date as date) + interval 2 month as date)::varchar
                     else open_date end as open_date)
            from base, picked
            union all by name                                                   -- delivered late: the
            select * exclude (n) replace ('A-UNKNOWN' as account_id)            -- account of the orphan
            from base where account_id = '{LATE_ACCOUNT_TEMPLATE}'              -- payments and schedule
        """,
        "consent_events": f"""
            select * from {read("consent_events")}
            union all
            select * replace ('LATE-W-' || event_id as event_id, 'withdraw' as action,
                              '2026-08-10T12:00:00+08:00' as event_at)
            from (select * from {read("consent_events")} where action = 'grant' order by event_id limit 3)
        """,
        "negative_notices": f"""
            select * from {read("negative_notices")}
            union all
            select 'LATE-N-1', account_id, '2026-07-01T09:00:00+08:00', 'sms'
            from (select account_id from {read("accounts")} order by account_id limit 1 offset 20)
        """,
    }
    for entity, sql in statements.items():
        con.execute(f"copy ({sql}) to '{out}/{entity}.parquet' (format parquet)")
    con.close()
    return out


def with_installments(source: Path, out: Path, installments: str) -> Path:
    """A copy of the raw files in `source` whose installments are `installments`
    (a select over `installments`, the source's installment rows)."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for entity in ("borrowers", "accounts", "payments", "consent_events", "negative_notices"):
        con.execute(f"copy (select * from read_parquet('{source}/{entity}.parquet')) to '{out}/{entity}.parquet'")
    con.execute(f"""
        copy (
            with installments as (select * from read_parquet('{source}/installments.parquet'))
            {installments}
        ) to '{out}/installments.parquet'
    """)
    con.close()
    return out


def late_references(generated: Path, out: Path) -> Path:
    """The generated files plus a schedule for the account the orphan payments
    name (A-UNKNOWN, PAY-001): installments naming an unknown account (INS-002)
    until change_history delivers the account."""
    return with_installments(generated, out, f"""
        select * from installments
        union all
        select * replace ('A-UNKNOWN' as account_id) from installments
        where account_id = '{LATE_ACCOUNT_TEMPLATE}'
    """)  # fmt: skip


def without_installment(base: Path, out: Path) -> Path:
    """S1's source: one paid installment of a known account is missing, so its
    payments name none (PAY-001) until S2 delivers it."""
    return with_installments(base, out, f"""
        select * from installments
        where (account_id, installment_no) is distinct from {LATE_INSTALLMENT}
    """)  # fmt: skip


def copy_ledger(source: Path, target: Path) -> None:
    """Give a fresh database the furnished-state ledger of another."""
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{source}' as source (read_only)")
        con.execute("create schema ledger")
        for (table,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'source' and table_schema = 'ledger'"
        ).fetchall():
            con.execute(f"create table ledger.{table} as select * from source.ledger.{table}")
        assert con.execute("select count(*) from ledger.furnished_account_records").fetchone()[0] > 0
    finally:
        con.close()


def model_tables(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {MODEL_SCHEMAS} and table_type = 'BASE TABLE' order by all"
        ).fetchall()
    finally:
        con.close()


def differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    tables = model_tables(full)
    assert tables == model_tables(incremental)
    con = duckdb.connect(str(incremental), read_only=True)
    con.execute(f"attach '{full}' as full_build (read_only)")
    found = {}
    try:
        for schema, table in tables:
            mine = f'"{schema}"."{table}"'
            theirs = f'full_build."{schema}"."{table}"'
            # row_built_at: the stamp of the build that wrote the row
            columns = [
                name for (name,) in con.execute(f"select name from pragma_table_info('{schema}.{table}')").fetchall()
            ]
            rows = "* exclude (row_built_at)" if "row_built_at" in columns else "*"
            only_mine, only_theirs = con.execute(
                f"select (select count(*) from (select {rows} from {mine} except all select {rows} from {theirs})), "
                f"(select count(*) from (select {rows} from {theirs} except all select {rows} from {mine}))"
            ).fetchone()
            if only_mine or only_theirs:
                found[f"{schema}.{table}"] = (only_mine, only_theirs)
    finally:
        con.close()
    return found


def assert_built(build) -> None:
    """Every node ran: no model error, nothing skipped (failing data tests are allowed)."""
    results = build.run_results()["results"]
    errors = [(r["unique_id"], (r.get("message") or "")[:600]) for r in results if r["status"] == "error"]
    assert not errors
    assert not [r["unique_id"] for r in results if r["status"] == "skipped"]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("snapshots")
    generated = work / "generated"
    subprocess.run(
        [CREDITMART, "generate", "--borrowers", "1500", "--months", "12", "--seed", "7", "--format", "parquet",
         "--defect-rate", "0.01", "--out", str(generated)],
        check=True, capture_output=True,
    )  # fmt: skip
    base = late_references(generated, work / "base")
    s1 = load_bench().snapshot_before(without_installment(base, work / "base_s1"), "2026-09", work / "s1")
    s2 = change_history(base, work / "s2")
    return s1, s2


def test_incremental_build_equals_full_build(snapshots, tmp_path):
    s1, s2 = snapshots
    first = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s1), "reporting_month": "2026-09"})
    assert_built(first)
    # furnish 2026-09: the progression rules of 2026-10 compare with it
    exported = subprocess.run(
        [CREDITMART, "export", "--month", "2026-09", "--out", str(tmp_path / "exports"), "--db", str(first.db_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    second = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s2), "reporting_month": "2026-10"})
    assert_built(second)
    copy_ledger(first.db_path, tmp_path / "full" / "creditmart.duckdb")
    full = run_dbt(["build"], tmp_path / "full", {"raw_dir": str(s2), "reporting_month": "2026-10"})
    assert_built(full)
    assert second.returncode == full.returncode, second.output[-3000:]
    # int_account_month_changes is bookkeeping of incremental builds (empty in a full one)
    found = differences(second.db_path, full.db_path)
    assert found.pop("intermediate.int_account_month_changes", (1, 0))[0] > 0
    assert found == {}
    # a closing alone is recomputed from its month, not from the account's first
    con = duckdb.connect(str(second.db_path), read_only=True)
    retro = con.execute(f"""
        select changes.from_month
        from read_parquet('{s2}/accounts.parquet') as s2
        inner join read_parquet('{s1}/accounts.parquet') as s1 using (account_id)
        inner join intermediate.int_account_month_changes as changes using (account_id)
        where s2.closed_date = '2026-06-30' and s1.closed_date is null
    """).fetchall()
    con.close()
    assert retro and {str(month) for (month,) in retro} == {"2026-06-01"}, retro
    # the second build parsed only the changed rows
    staged = {
        r["unique_id"].split(".")[-1]: r["adapter_response"].get("rows_affected")
        for r in second.run_results()["results"]
        if r["unique_id"].startswith("model.creditmart.stg_lending__")
    }
    assert staged, second.output[-2000:]
    # its generic tests read only the rows it wrote (this build's row_built_at),
    # the full build's tests every row
    scoped = [
        r["unique_id"]
        for r in second.run_results()["results"]
        if "row_built_at = timestamp" in (r.get("compiled_code") or "")
    ]
    assert any(".unique_int_payments_checked_row_fingerprint." in uid for uid in scoped), scoped
    assert any(".unique_key_int_account_months_derived_" in uid for uid in scoped), scoped
    assert not [r for r in full.run_results()["results"] if "row_built_at =" in (r.get("compiled_code") or "")]
    # the submission file's records: the recomputed window (new months, and
    # the retro-closed accounts from their first changed month)
    [file_test] = [
        r.get("compiled_code") or ""
        for r in second.run_results()["results"]
        if ".unique_key_submission_account_records_" in r["unique_id"]
    ]
    assert "report_month >= least('" in file_test and "int_account_month_changes" in file_test, file_test[-600:]
    # the CHK guards read the same window; the consent and conservation
    # assertions every row
    tests = {
        r["unique_id"].split(".")[2]: r.get("compiled_code") or ""
        for r in second.run_results()["results"]
        if r["unique_id"].startswith("test.")
    }
    assert "month_start >= least(date '" in tests["assert_chk_004_five_tier_per_policy"]
    assert "report_month >= least('" in tests["assert_chk_005_d1_balance_within_loan"]
    for whole in ("assert_conservation_by_month", "assert_submitted_borrowers_consented_at_cutoff"):
        assert "int_account_month_changes" not in tests[whole], whole
    [(stamps, written, rows)] = second.query(
        "select count(distinct row_built_at), "
        "count(*) filter (where row_built_at = (select max(row_built_at) from intermediate.int_payments_checked)), "
        "count(*) from intermediate.int_payments_checked"
    )
    assert stamps == 2 and 0 < written < rows, (stamps, written, rows)
    # the bucketed staging diffs compared the snapshot with the checksums kept
    # in build_state, not with the table's keys, and kept them equal to the table's
    for model in ("stg_lending__payments", "stg_lending__installments"):
        [compiled] = [
            r.get("compiled_code") or ""
            for r in second.run_results()["results"]
            if r["unique_id"] == f"model.creditmart.{model}"
        ]
        assert f"{model}_buckets" in compiled
        checksums = (
            "select raw_bucket, count(*), sum(cast(raw_row_key >> 64 as ubigint)), "
            f"bit_xor(cast(raw_row_key >> 64 as ubigint)) from staging.{model} group by raw_bucket"
        )
        kept = f"select raw_bucket, row_count, key_sum, key_xor from build_state.{model}_buckets"
        [(missing, extra, buckets)] = second.query(
            f"select (select count(*) from ({checksums} except all {kept})), "
            f"(select count(*) from ({kept} except all {checksums})), (select count(*) from ({kept}))"
        )
        assert (missing, extra) == (0, 0) and buckets > 1, (model, missing, extra, buckets)
    # a month with no late change: the month layer and the monthly marts
    # rebuild only the new month (a borrower's first submitted month then
    # comes from the earlier months), and still equal a full build
    third = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s2), "reporting_month": "2026-11"})
    assert_built(third)
    [(recomputed_from,)] = third.query(
        "select cast(recomputed_from as varchar) from build_state.watermarks where model = 'submission_person_records'"
    )
    assert recomputed_from == "2026-11-01", recomputed_from
    copy_ledger(third.db_path, tmp_path / "full_next" / "creditmart.duckdb")
    full_next = run_dbt(["build"], tmp_path / "full_next", {"raw_dir": str(s2), "reporting_month": "2026-11"})
    assert_built(full_next)
    found = differences(third.db_path, full_next.db_path)
    found.pop("intermediate.int_account_month_changes", None)
    assert found == {}


def test_first_delivery_into_an_empty_mart_equals_full_build(snapshots, tmp_path):
    """A mart first built from empty files takes its first real delivery
    incrementally: every staged table and bucket checksum is empty, so every
    row is new to the staging diffs, and every downstream model starts from
    nothing stored."""
    s1, _ = snapshots
    empty = tmp_path / "empty"
    empty.mkdir()
    con = duckdb.connect()
    for path in sorted(s1.glob("*.parquet")):
        target = empty / path.name
        con.execute(f"copy (select * from read_parquet('{path}') where false) to '{target}' (format parquet)")
    con.close()
    first = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(empty), "reporting_month": "2026-09"})
    assert_built(first)
    assert first.query("select count(*) from build_state.stg_lending__payments_buckets") == [(0,)]
    second = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s1), "reporting_month": "2026-09"})
    assert_built(second)
    # incremental, not rebuilt in full: the staging diff compared the delivery with the empty table
    [(watermarks,)] = second.query(
        "select count(*) from build_state.watermarks where model = 'stg_lending__payments' and full_built_at < built_at"
    )
    assert watermarks == 1
    full = run_dbt(["build"], tmp_path / "full", {"raw_dir": str(s1), "reporting_month": "2026-09"})
    assert_built(full)
    assert second.query("select count(*) from staging.stg_lending__payments")[0][0] > 0
    found = differences(second.db_path, full.db_path)
    found.pop("intermediate.int_account_month_changes", None)
    assert found == {}


def test_a_full_rebuild_leaves_the_models_beside_it_incremental(snapshots, tmp_path):
    """A model rebuilt in full (here: its file edited) does not make the
    models that do not read it rebuild in full in the same build: one built
    beside it would otherwise see the rebuild's watermark between its SQL
    (incremental) and its strategy (replace everything), and keep only the
    new month (seen at 1M: BENCHMARKS.md, item 64). The mart still equals a
    full build."""
    s1, s2 = snapshots
    first = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s1), "reporting_month": "2026-09"})
    assert_built(first)
    con = duckdb.connect(str(first.db_path))
    # the notices: staged first, read only by the rule violations (a table)
    con.execute(
        "update build_state.watermarks set code_checksum = 'edited' where model = 'stg_lending__negative_notices'"
    )
    con.close()
    second = run_dbt(["build"], tmp_path / "incremental", {"raw_dir": str(s2), "reporting_month": "2026-10"})
    assert_built(second)
    rebuilt = dict(second.query("select model, full_built_at = built_at from build_state.watermarks"))
    assert rebuilt["stg_lending__negative_notices"]
    assert not [model for model, full in rebuilt.items() if full and model != "stg_lending__negative_notices"]
    full = run_dbt(["build"], tmp_path / "full", {"raw_dir": str(s2), "reporting_month": "2026-10"})
    assert_built(full)
    found = differences(second.db_path, full.db_path)
    found.pop("intermediate.int_account_month_changes", None)
    assert found == {}
