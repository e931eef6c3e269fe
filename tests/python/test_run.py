"""`creditmart run`, the scheduled monthly job: exit codes, repeatability,
interruption, the one-writer lock and the run log."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import CREDITMART, PROJECT_DIR, PUBLIC_MODELS, creditmart
from test_sample import pii_values


def summary_line(result: subprocess.CompletedProcess) -> str:
    return result.stdout.strip().splitlines()[-1]


def model_digests(db_path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every public model."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        digests = {}
        for model in PUBLIC_MODELS:
            rows = sorted(repr(row) for row in con.execute(f"select * from {model}").fetchall())
            digests[model] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return digests
    finally:
        con.close()


def run_log(db_path: Path) -> list[dict]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = con.execute("select * from ledger.run_log order by started_at")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def scalar(db_path: Path, sql: str):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def clean_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("run_raw")
    generated = creditmart(
        "generate", "--borrowers", "250", "--months", "4", "--end-month", "2026-10", "--out", str(raw), "--seed", "7"
    )
    assert generated.returncode == 0, generated.stderr
    return raw


@pytest.fixture(scope="module")
def exported_twice(clean_raw, tmp_path_factory):
    """The same month run twice with --export into one DuckDB file."""
    work = tmp_path_factory.mktemp("run_twice")
    db, out = work / "mart.duckdb", work / "exports"
    args = ("run", "--month", "2026-10", "--raw-dir", str(clean_raw), "--export", "--out", str(out), "--db", str(db))
    first = creditmart(*args)
    manifest_1 = json.loads((out / "2026-10" / "manifest.json").read_text())
    digests_1 = model_digests(db)
    ledger_1 = scalar(db, "select count(*) from ledger.furnished_account_records")
    second = creditmart(*args)
    manifest_2 = json.loads((out / "2026-10" / "manifest.json").read_text())
    return {
        "db": db,
        "out": out,
        "results": (first, second),
        "manifests": (manifest_1, manifest_2),
        "digests": (digests_1, model_digests(db)),
        "ledger": (ledger_1, scalar(db, "select count(*) from ledger.furnished_account_records")),
    }


def test_run_builds_validates_reports_and_exports(exported_twice):
    first, _ = exported_twice["results"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    steps = [line for line in first.stdout.splitlines() if line.startswith("[")]
    assert [s.split("]")[0] + "]" for s in steps] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    summary = summary_line(first)
    assert summary.startswith("creditmart run 2026-10: success (exit 0) | in scope ")
    assert "| quality gate passed | files 3 in " in summary
    submitted = scalar(
        exported_twice["db"], "select submitted from rpt_submission_reconciliation where report_month = '2026-10'"
    )
    assert f"| submitted {submitted:,} |" in summary and submitted > 0
    assert (exported_twice["out"] / "2026-10" / "manifest.json").exists()
    assert (PROJECT_DIR / "target" / "quality" / "report.html").exists()


def test_running_a_month_twice_gives_identical_models_and_export_bodies(exported_twice):
    assert [r.returncode for r in exported_twice["results"]] == [0, 0]
    digests_1, digests_2 = exported_twice["digests"]
    assert digests_1 == digests_2
    bodies = [{f["record_type"]: f["body_sha256"] for f in m["files"]} for m in exported_twice["manifests"]]
    assert bodies[0] == bodies[1] and set(bodies[0]) == {"210", "110"}
    ledger_1, ledger_2 = exported_twice["ledger"]
    [account_file] = [f for f in exported_twice["manifests"][0]["files"] if f["record_type"] == "210"]
    assert ledger_1 == ledger_2 == account_file["record_count"] > 0


def test_every_run_is_in_the_run_log(exported_twice):
    log = run_log(exported_twice["db"])
    assert [(r["report_month"], r["status"], r["exit_code"], r["step"]) for r in log] == [
        ("2026-10", "success", 0, "done")
    ] * 2
    assert len({r["run_id"] for r in log}) == 2
    for record in log:
        assert record["ended_at"] >= record["started_at"]
        assert record["submitted"] > 0 and record["files_written"] == 3
        assert record["dbt_version"].startswith("1.11") and record["duckdb_version"] and record["gx_version"]
        assert record["project_revision"] and record["error_violations"] == 0
        assert isinstance(json.loads(record["violations_by_rule"]), dict)
    listed = creditmart("runs", "--db", str(exported_twice["db"]))
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [r["run_id"][:12] for r in reversed(log)]


def test_full_refresh_keeps_run_log_and_ledger(exported_twice, clean_raw):
    db = exported_twice["db"]
    refreshed = creditmart("run", "--month", "2026-10", "--raw-dir", str(clean_raw), "--db", str(db), "--full-refresh")
    assert refreshed.returncode == 0, refreshed.stdout[-2000:]
    assert len(run_log(db)) == 3
    assert scalar(db, "select count(*) from ledger.furnished_account_records") == exported_twice["ledger"][1]


def test_quality_gate_failure_exits_1_and_exports_nothing(tmp_path):
    db, out = tmp_path / "mart.duckdb", tmp_path / "exports"
    # the bundled sample carries deliberate bad rows: error-severity expectations fail
    result = creditmart("run", "--month", "2026-10", "--export", "--out", str(out), "--db", str(db))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "quality gate FAILED | files 0" in summary_line(result)
    assert "creditmart run: quality gate failed: " in result.stderr and "nothing exported" in result.stderr
    assert not out.exists()
    [record] = run_log(db)
    assert (record["status"], record["exit_code"], record["step"]) == ("gate_failed", 1, "report")
    assert record["gx_error_failures"] > 0 and record["error_violations"] > 0
    # what the run printed and logged names rules and counts, never a borrower's identity
    written = result.stdout + result.stderr + json.dumps(record, default=str)
    assert not [value for value in pii_values() if value in written]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "month '2026-13' is not a month in YYYY-MM form"),
        (["--raw-dir", "/nonexistent/raw"], "--raw-dir /nonexistent/raw is not a directory"),
        (["--raw-dir", "EMPTY"], "lacks column(s)"),
    ],
)
def test_errors_exit_2_with_one_readable_line(tmp_path, args, message):
    if "EMPTY" in args:
        (tmp_path / "raw").mkdir()
        for entity in ("borrowers", "accounts", "installments", "payments", "consent_events", "negative_notices"):
            (tmp_path / "raw" / f"{entity}.csv").write_text("unexpected_column\nx\n")
        args = ["--raw-dir", str(tmp_path / "raw")]
    db = tmp_path / "mart.duckdb"
    result = creditmart("run", "--month", "2026-10", *args, "--db", str(db))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("creditmart run: ") and message in errors[0], result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "error (exit 2)" in summary_line(result)
    [record] = run_log(db)
    assert record["status"] == "error" and message in record["message"]


def test_default_month_is_the_previous_month_in_beijing_time():
    import datetime as dt

    from creditmart.run import previous_month

    # 2026-10-31 16:30 UTC is already 1 November in Beijing
    assert previous_month(dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)) == "2026-10"
    assert previous_month(dt.datetime(2026, 10, 31, 15, 59, tzinfo=dt.UTC)) == "2026-09"
    assert previous_month(dt.datetime(2027, 1, 5, tzinfo=dt.UTC)) == "2026-12"


def test_a_run_killed_during_dbt_build_is_followed_by_a_clean_rerun(exported_twice, clean_raw, tmp_path):
    db, out = tmp_path / "mart.duckdb", tmp_path / "exports"
    args = [CREDITMART, "run", "--month", "2026-10", "--raw-dir", str(clean_raw), "--export"]
    args += ["--out", str(out), "--db", str(db)]
    first = subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout[-2000:]
    ledger_before = scalar(db, "select count(*) from ledger.furnished_account_records")

    process = subprocess.Popen(
        args, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if "model intermediate.int_account_months" in line and "START" in line:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])

    rerun = subprocess.run(args, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr
    # correct results: the same public models as the uninterrupted runs of the same data
    assert model_digests(db) == exported_twice["digests"][0]
    assert scalar(db, "select count(*) from ledger.furnished_account_records") == ledger_before
    log = run_log(db)
    assert [r["status"] for r in log] == ["success", "interrupted", "success"]
    assert len({r["run_id"] for r in log}) == 3 and log[1]["ended_at"] is None


def hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    """A second process that opens the DuckDB file (taking its lock) and keeps it for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "time.sleep(float(sys.argv[2]))",
            str(db),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_locked_database_fails_after_the_timeout_with_one_line(tmp_path):
    db = tmp_path / "mart.duckdb"
    duckdb.connect(str(db)).close()
    holder = hold_lock(db, 120)
    try:
        started = time.monotonic()
        result = creditmart("run", "--month", "2026-10", "--db", str(db), "--lock-timeout", "3")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert 3 <= waited < 60
    errors = [line for line in result.stderr.splitlines() if line.startswith("creditmart run: ")]
    assert any(f"is locked by another process, PID {holder.pid} (" in line for line in errors), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # the file is intact, and the failed run's record reaches the run log with the next run
    assert duckdb.connect(str(db)).execute("select 42").fetchall() == [(42,)]
    listed = creditmart("runs", "--db", str(db), "--json")
    [pending] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert pending["status"] == "error (pending)" and "is locked by another process" in pending["message"]
    rerun = creditmart("run", "--month", "2026-10", "--db", str(db))
    assert rerun.returncode == 1  # the sample's gate
    assert [r["status"] for r in run_log(db)] == ["error", "gate_failed"]


def test_a_run_waits_for_a_lock_that_is_released_in_time(tmp_path):
    db = tmp_path / "mart.duckdb"
    duckdb.connect(str(db)).close()
    holder = hold_lock(db, 4)
    try:
        result = creditmart("run", "--month", "2026-10", "--db", str(db), "--lock-timeout", "120")
    finally:
        holder.kill()
        holder.wait()
    assert "waiting up to 120 s for" in result.stderr and f"locked by PID {holder.pid}" in result.stderr
    assert result.returncode == 1, result.stdout[-2000:]  # built, validated; the sample's gate fails
    assert [r["status"] for r in run_log(db)] == ["gate_failed"]
