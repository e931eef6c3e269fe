"""Submission files, the furnished-state ledger, corrections, deletions and
the progression rules."""

from __future__ import annotations

import hashlib
import json
import subprocess
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CREDITMART, PROJECT_DIR, run_dbt, write_raw_dir
from test_scenarios import borrower, d1_account, event, installment, payment


def export(db_path: Path, month: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CREDITMART, "export", "--month", month, "--out", str(out), "--db", str(db_path), *extra],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def message_files(directory: Path, record_type: str) -> list[Path]:
    return sorted(p for p in directory.glob("*.txt") if p.name[22:25] == record_type)


@pytest.fixture(scope="module")
def exported_sample(tmp_path_factory):
    work = tmp_path_factory.mktemp("export_sample")
    build = run_dbt(["build"], work)
    assert build.returncode == 0, build.output[-3000:]
    first = export(build.db_path, "2026-10", work / "out1")
    assert first.returncode == 0, first.stderr
    return build, work, first


def test_export_writes_a_verified_file_set(exported_sample):
    build, work, first = exported_sample
    month_dir = work / "out1" / "2026-10"
    manifest = json.loads((month_dir / "manifest.json").read_text())
    rows = build.query(
        "select count(*), sum(balance), sum(total_overdue) from submission_account_records "
        "where report_month = '2026-10'"
    )[0]
    [account_file] = message_files(month_dir, "210")
    header, _, body = account_file.read_bytes().partition(b"\n")
    assert len(header) == 50 and header.startswith(b"A050210")
    document = ElementTree.fromstring(body)
    assert int(header[-8:]) == len(document) == rows[0] == 14
    entry = next(f for f in manifest["files"] if f["record_type"] == "210")
    assert entry["record_count"] == 14
    assert Decimal(entry["control_totals"]["sum_balance"]) == rows[1]
    assert Decimal(entry["control_totals"]["sum_total_overdue"]) == rows[2]
    assert entry["body_sha256"] == hashlib.sha256(body).hexdigest()
    # every IDNum belongs to a borrower consented at the cutoff
    id_numbers = {r.findtext("AcctBsSgmt/IDNum") for r in document}
    assert id_numbers <= {
        r[0]
        for r in build.query(
            "select id_number from submission_account_records "
            "where report_month = '2026-10' and consent_event_id is not null"
        )
    }
    # amounts are whole yuan
    assert all("." not in (r.findtext("AcctMthlyBlgInfSgmt/AcctBal") or "") for r in document)
    [person_file] = message_files(month_dir, "110")
    assert len(ElementTree.fromstring(person_file.read_bytes().partition(b"\n")[2])) == 1
    assert not any(i in first.stdout + first.stderr for i in id_numbers)


def test_export_is_reproducible_and_the_ledger_is_not_duplicated(exported_sample):
    build, work, _ = exported_sample
    before = build.query("select count(*) from ledger.furnished_account_records")[0][0]
    again = export(build.db_path, "2026-10", work / "out2")
    assert again.returncode == 0, again.stderr
    assert "ledger: 0 new furnished records" in again.stdout
    bodies = [
        {
            f["record_type"]: f["body_sha256"]
            for f in json.loads((work / d / "2026-10" / "manifest.json").read_text())["files"]
        }
        for d in ("out1", "out2")
    ]
    assert bodies[0] == bodies[1]
    for record_type in ("210", "110"):
        one, two = (
            message_files(work / d / "2026-10", record_type)[0].read_bytes().partition(b"\n")[2]
            for d in ("out1", "out2")
        )
        assert one == two
    assert build.query("select count(*) from ledger.furnished_account_records")[0][0] == before == 14


def test_full_refresh_keeps_the_ledger(exported_sample):
    build, work, _ = exported_sample
    rebuilt = run_dbt(["build", "--full-refresh"], work)
    assert rebuilt.returncode == 0, rebuilt.output[-3000:]
    assert build.query("select count(*), min(report_month) from ledger.furnished_account_records") == [(14, "2026-10")]
    assert build.query("select count(*) from staging.stg_ledger__furnished_account_records") == [(14,)]


def test_export_refuses_what_it_cannot_do(exported_sample, tmp_path):
    build, work, _ = exported_sample
    for month, message in (("2026-13", "not a month in YYYY-MM form"), ("2027-01", "is not in the mart")):
        result = export(build.db_path, month, tmp_path)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    missing = export(tmp_path / "none.duckdb", "2026-10", tmp_path)
    assert missing.returncode == 2 and "run `dbt build` first" in missing.stderr


def scenario(
    accounts_overrides: dict | None = None,
    drop_payments: tuple = (),
    extra_events: tuple = (),
    extra_payments: tuple = (),
) -> dict:
    """Five consented borrowers, one D1 each (3 x 1030 due Aug-Oct), paid on time."""
    accounts, installments, payments = [], [], []
    for n in range(1, 6):
        account_id = f"Q{n}"
        row = d1_account(account_id, f"R{n}", "2026-07-10", "3000.00")
        row.update((accounts_overrides or {}).get(account_id, {}))
        accounts.append(row)
        for k, due in enumerate(["2026-08-15", "2026-09-15", "2026-10-15"], 1):
            installments.append(installment(account_id, k, due, "1000.00", "30.00"))
            payment_id = f"P{n}{k}"
            if payment_id not in drop_payments:
                payments.append(payment(payment_id, account_id, k, f"{due}T02:00:00Z", "1030.00"))
    events = [event(f"G{n}", f"R{n}", "grant", "2026-07-01T00:00:00Z") for n in range(1, 6)]
    events += [
        event("W5", "R5", "withdraw", "2026-09-05T00:00:00Z"),
        event("G55", "R5", "grant", "2026-10-02T00:00:00Z"),
    ]
    return {
        "borrowers": [borrower(f"R{n}", 40 + n) for n in range(1, 6)],
        "accounts": accounts,
        "installments": installments,
        "payments": payments + list(extra_payments),
        "consent_events": events + list(extra_events),
    }


def build_dir(tmp_path: Path, name: str, entities: dict, month: str):
    raw = write_raw_dir(tmp_path / name, entities)
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw), "reporting_month": month})
    assert build.returncode == 0, build.output[-3000:]
    return build


def test_corrections_deletions_and_progression_rules(tmp_path):
    # Q4 is paid off and closed in August; Q3's first payment is missing until it is posted late
    first = scenario(
        {"Q4": {"closed_date": "2026-08-20"}},
        drop_payments=("P31", "P41", "P42", "P43"),
        extra_payments=(
            payment("P4X", "Q4", 1, "2026-08-20T02:00:00Z", "1030.00"),
            payment("P4Y", "Q4", 2, "2026-08-20T02:00:00Z", "1030.00"),
            payment("P4Z", "Q4", 3, "2026-08-20T02:00:00Z", "1030.00"),
        ),
    )
    build = build_dir(tmp_path, "raw1", first, "2026-09")
    for month in ("2026-08", "2026-09"):
        assert export(build.db_path, month, tmp_path / "out").returncode == 0
    assert build.query(
        "select report_month, account_id, rpy_status from ledger.furnished_account_records "
        "where account_id in ('Q3', 'Q4') order by 1, 2"
    ) == [("2026-08", "Q3", "1"), ("2026-08", "Q4", "C"), ("2026-09", "Q3", "2")]

    # Later: Q3's August payment arrives with its real (earlier) paid_at; Q2's loan amount is corrected;
    # Q4's closure is undone; R1 turns out to have withdrawn before the September cutoff; Q1's
    # September payment is reversed so October jumps two buckets.
    second = scenario(
        {"Q4": {"closed_date": ""}, "Q2": {"loan_amount": "3500.00"}},
        drop_payments=("P12", "P13", "P41", "P42", "P43"),
        extra_payments=(
            payment("P4X", "Q4", 1, "2026-08-20T02:00:00Z", "1030.00"),
            payment("P4Y", "Q4", 2, "2026-08-20T02:00:00Z", "1030.00"),
            payment("P4Z", "Q4", 3, "2026-08-20T02:00:00Z", "1030.00"),
        ),
        extra_events=(
            event("W1", "R1", "withdraw", "2026-09-20T02:00:00Z"),
            event("G11", "R1", "grant", "2026-10-01T02:00:00Z"),
        ),
    )
    build = build_dir(tmp_path, "raw2", second, "2026-10")

    corrections = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in build.query(
            "select report_month, account_id, field_name, furnished_value, current_value from submission_corrections"
        )
    }
    assert corrections[("2026-08", "Q3", "rpy_status")] == ("1", "N")
    assert corrections[("2026-08", "Q3", "balance")] == ("3000.00", "2000.00")
    assert corrections[("2026-08", "Q3", "total_overdue")] == ("1030.00", "0.00")
    assert corrections[("2026-08", "Q3", "last_payment_date")] == (None, "2026-08-15")
    assert corrections[("2026-09", "Q3", "rpy_status")] == ("2", "N")
    assert ("2026-08", "Q2", "loan_amount") not in corrections  # Q2 is rejected now: a deletion, not a correction

    deletions = {
        (r[0], r[1]): r[2]
        for r in build.query("select report_month, account_id, deletion_reason from submission_deletions")
    }
    assert deletions[("2026-09", "Q1")] == "CONSENT_WITHDRAWN"
    # the corrected loan amount now breaks the schedule (ACC-006) and, after a furnished month, PRG-001
    assert deletions[("2026-08", "Q2")] == "ACC-006"
    assert deletions[("2026-09", "Q2")] == "ACC-006,PRG-001"

    october = dict(
        build.query(
            "select account_id, coalesce(outcome_reasons, outcome) from fct_account_months "
            "where report_month = '2026-10'"
        )
    )
    assert "PRG-001" in october["Q2"]
    assert october["Q4"] == "PRG-003"
    prg = {
        (r[0], r[1])
        for r in build.query(
            "select rule_id, entity_id from fct_rule_violations where report_month = '2026-10' and rule_id like 'PRG-%'"
        )
    }
    assert ("PRG-002", "Q1") in prg  # N in September, 3 in October
    assert ("PRG-004", "Q5") in prg  # furnished in August, not in September (withdrawn), in scope now
    assert ("PRG-004", "Q1") not in prg  # September was furnished for Q1
    assert not {a for r, a in prg if a == "Q3"}, "clean consecutive months stay quiet"

    # deletion policy: propose writes no 214 file, include writes it and records it
    proposed = export(build.db_path, "2026-10", tmp_path / "propose", "--deletion-policy", "propose")
    assert proposed.returncode == 0, proposed.stderr
    assert message_files(tmp_path / "propose" / "2026-10", "214") == []
    included = export(build.db_path, "2026-10", tmp_path / "include", "--deletion-policy", "include")
    assert included.returncode == 0, included.stderr
    [deletion_file] = message_files(tmp_path / "include" / "2026-10", "214")
    requested = {
        (r.findtext("Month"), r.findtext("AcctCode"))
        for r in ElementTree.fromstring(deletion_file.read_bytes().partition(b"\n")[2])
    }
    assert requested == set(deletions)
    assert build.query("select count(*) from ledger.furnished_deletions") == [(len(deletions),)]
