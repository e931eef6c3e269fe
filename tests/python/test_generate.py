"""The synthetic data generator: seeded, realistic invariants, and defects
that the pipeline catches by rule."""

from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import CREDITMART, PROJECT_DIR, run_dbt


def generate(out: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [CREDITMART, "generate", "--out", str(out), *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


def digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_same_arguments_same_bytes(tmp_path, file_format):
    args = [
        "--borrowers",
        "1200",
        "--months",
        "12",
        "--seed",
        "5",
        "--format",
        file_format,
        "--defect-rate",
        "0.01",
        "--chunk-size",
        "500",
    ]
    first = generate(tmp_path / "a", *args)
    generate(tmp_path / "b", *args)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert len(digests(tmp_path / "a")) == 7
    assert "generated 1,200/1,200 borrowers" in first.stderr  # progress, chunk by chunk
    generate(tmp_path / "c", *args[:5], "6", *args[6:])
    assert digests(tmp_path / "a") != digests(tmp_path / "c")


@pytest.fixture(scope="module")
def clean_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(
        out, "--borrowers", "3000", "--months", "24", "--seed", "11", "--format", "parquet", "--chunk-size", "1000"
    )
    return out


def test_generator_invariants(clean_data):
    con = duckdb.connect()
    read = lambda entity: f"read_parquet('{clean_data / entity}.parquet')"  # noqa: E731
    accounts_per_borrower = con.execute(
        f"select count(*) * 1.0 / count(distinct borrower_id) from {read('accounts')}"
    ).fetchall()[0][0]
    assert 1.8 <= accounts_per_borrower <= 2.2
    assert {r[0] for r in con.execute(f"select distinct account_type from {read('accounts')}").fetchall()} == {
        "D1",
        "R1",
    }
    # D1 schedules sum to the loan amount, with 3-24 instalments
    assert con.execute(f"""
        select count(*) from (
            select a.account_id, any_value(cast(a.loan_amount as decimal(18, 2))) as loan,
                   sum(cast(i.principal_due as decimal(18, 2))) as scheduled, count(*) as n
            from {read("accounts")} a join {read("installments")} i using (account_id)
            where a.account_type = 'D1' group by a.account_id)
        where loan <> scheduled or n not between 3 and 24""").fetchall() == [(0,)]
    # payments point at real installments
    assert con.execute(f"""
        select count(*) from {read("payments")} p
        left join {read("installments")} i on p.account_id = i.account_id and p.installment_no = i.installment_no
        where i.account_id is null""").fetchall() == [(0,)]
    # consent logs are time-ordered per borrower, about a third of borrowers grant
    assert con.execute(f"""
        select count(*) from (
            select event_at < lag(event_at) over (partition by borrower_id order by event_id) as backwards
            from {read("consent_events")}) where backwards""").fetchall() == [(0,)]
    share = con.execute(f"""
        select count(distinct borrower_id) filter (where purpose = 'credit_reporting' and action = 'grant')
               * 1.0 / (select count(*) from {read("borrowers")}) from {read("consent_events")}""").fetchall()[0][0]
    assert 0.28 <= share <= 0.40
    behaviours = con.execute(f"""
        select count(*) filter (where closed_date is not null), count(distinct borrower_id)
        from {read("accounts")}""").fetchall()[0]
    assert behaviours[0] > 0
    assert con.execute(f"select count(*) from {read('negative_notices')}").fetchall()[0][0] > 0


def test_clean_data_builds_with_every_status(clean_data, tmp_path):
    build = run_dbt(["build"], tmp_path, {"raw_dir": str(clean_data), "reporting_month": "2026-10"})
    assert build.returncode == 0, build.output[-3000:]
    statuses = {r[0] for r in build.query("select distinct rpy_status from fct_account_months")}
    assert statuses == {"N", "M", "*", "1", "2", "3", "4", "5", "6", "7", "C"}
    assert build.query("select bool_and(balanced), count(*) from rpt_submission_reconciliation") == [(True, 24)]
    errors = build.query("select count(*) from fct_rule_violations where severity = 'error'")
    assert errors == [(0,)], "clean generated data breaks no error rule"


def test_every_injected_defect_is_caught_by_its_rule(tmp_path):
    out = tmp_path / "raw"
    generate(
        out,
        "--borrowers",
        "1500",
        "--months",
        "12",
        "--seed",
        "3",
        "--format",
        "csv",
        "--defect-rate",
        "0.02",
        "--chunk-size",
        "500",
    )
    with open(out / "defects.csv", encoding="utf-8") as handle:
        injected = list(csv.DictReader(handle))
    rules = {d["rule_id"] for d in injected}
    assert rules == {
        "RAW-001",
        "RAW-002",
        "ID-001",
        "PER-005",
        "ACC-002",
        "ACC-007",
        "ACC-009",
        "INS-001",
        "PAY-001",
        "PAY-005",
        "CON-001",
        "CON-003",
    }
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(out), "reporting_month": "2026-10"})
    assert build.returncode == 0, build.output[-3000:]
    caught = set(build.query("select rule_id, entity_id from fct_rule_violations"))
    missed = [d for d in injected if (d["rule_id"], d["entity_id"]) not in caught]
    assert missed == []
    assert build.query("select bool_and(balanced) from rpt_submission_reconciliation") == [(True,)]
