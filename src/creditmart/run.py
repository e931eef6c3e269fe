"""`creditmart run`: the one command a scheduler calls each month.

build (dbt build for the month) -> validate (GX suites) -> report (quality
report) -> export (only with --export and only when the quality gate passed).
Every run leaves one row in the run log (creditmart.runlog). Exit codes:
0 success, 1 quality gate failed (nothing exported), 2 error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from creditmart import runlog
from creditmart.project import (
    PROJECT_DIR,
    SCHEDULED_BUILD,
    CreditmartError,
    DatabaseLocked,
    check_month,
    connect,
    duckdb_path,
    lock_holder,
    lock_timeout,
    locked_message,
    project_revision,
)

BEIJING = dt.timezone(dt.timedelta(hours=8))
EXIT_SUCCESS, EXIT_GATE_FAILED, EXIT_ERROR = 0, 1, 2
DBT = str(Path(sys.executable).parent / "dbt")


class GateFailed(Exception):
    """The quality gate failed: the run ends with exit 1 and exports nothing."""


@dataclass
class RunOptions:
    month: str | None = None
    raw_dir: str | None = None
    export: bool = False
    db: str | None = None
    out: str = "exports"
    deletion_policy: str | None = None
    lock_timeout: float | None = None
    full_refresh: bool = False


def previous_month(now: dt.datetime | None = None) -> str:
    """The calendar month before the current one, in Beijing time (the clock of every cutoff)."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(BEIJING).date()
    last_of_previous = today.replace(day=1) - dt.timedelta(days=1)
    return last_of_previous.strftime("%Y-%m")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def step_line(number: int, total: int, text: str) -> None:
    print(f"[{number}/{total}] {text}", flush=True)


def run_month(options: RunOptions) -> int:
    """Run one month end to end; print progress and one summary line; return the exit code."""
    record: dict = {
        "run_id": uuid.uuid4().hex,
        "started_at": _utc_now(),
        "status": "running",
        "step": "start",
        "project_revision": project_revision(),
        "dbt_version": _version("dbt-core"),
        "duckdb_version": _version("duckdb"),
        "gx_version": _version("great_expectations"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    timeout = lock_timeout(options.lock_timeout)
    path = duckdb_path(options.db).resolve()
    started = time.monotonic()
    code, files = EXIT_ERROR, 0
    try:
        record["report_month"] = options.month or previous_month()
        month = check_month(record["report_month"])
        raw_dir = _raw_dir(options.raw_dir)
        record["raw_dir"] = raw_dir
        runlog.save(path, record, timeout, start=True)
        total = 4 if options.export else 3

        record["step"] = "build"
        step_line(1, total, f"dbt build for {month}" + (f" from {raw_dir}" if raw_dir else " (bundled sample)"))
        dbt_failed = _build(path, month, raw_dir, options.full_refresh, timeout)
        record["dbt_failed_tests"] = len(dbt_failed)
        record.update(_month_counts(path, month, timeout))

        record["step"] = "validate"
        step_line(2, total, f"validate {month} with the Great Expectations suites")
        from creditmart.quality.validate import RESULTS_PATH, run_validate

        gx_code, gx_summary = run_validate(month=month, db=str(path))
        print(f"      {gx_summary}", flush=True)
        gx_results = json.loads(RESULTS_PATH.read_text(encoding="utf-8"))["results"]
        failed = [r for r in gx_results if not r["success"]]
        record["gx_error_failures"] = sum(1 for r in failed if r["severity"] == "error")
        record["gx_warn_failures"] = len(failed) - record["gx_error_failures"]

        record["step"] = "report"
        step_line(3, total, "quality report")
        from creditmart.quality.report import run_report

        print(f"      {run_report(month=month, db=str(path))}", flush=True)

        reasons = []
        if dbt_failed:
            reasons.append(f"{len(dbt_failed)} dbt test(s) failed: {', '.join(sorted(dbt_failed)[:5])}")
        if gx_code != 0:
            reasons.append(f"{record['gx_error_failures']} error-severity expectation(s) failed")
        if reasons:
            raise GateFailed("; ".join(reasons))

        if options.export:
            record["step"] = "export"
            step_line(4, total, f"export {month} to {Path(options.out) / month}")
            from creditmart.export import run_export

            exported = run_export(
                month=month, out_dir=options.out, db=str(path), deletion_policy=options.deletion_policy
            )
            print(f"      {exported}", flush=True)
            manifest = json.loads((Path(options.out) / month / "manifest.json").read_text(encoding="utf-8"))
            files = len(manifest["files"]) + 1
            record["files_written"] = files
            record["export_dir"] = str((Path(options.out) / month).resolve())
        record["step"] = "done"
        record["status"], code = "success", EXIT_SUCCESS
    except GateFailed as failure:
        record["status"], code = "gate_failed", EXIT_GATE_FAILED
        record["message"] = f"quality gate failed: {failure}; nothing exported"
    except CreditmartError as error:
        record["status"], code = "error", EXIT_ERROR
        record["message"] = str(error)
    except KeyboardInterrupt:
        record["status"], code = "interrupted", 130
        record["message"] = "interrupted (SIGINT)"
    record["exit_code"] = code
    record["ended_at"] = _utc_now()
    _finish(path, record, timeout)
    if record.get("message"):
        print(f"creditmart run: {record['message']}", file=sys.stderr, flush=True)
    print(_summary(record, files, time.monotonic() - started), flush=True)
    return code


def _finish(path: Path, record: dict, timeout: float) -> None:
    """Record the outcome; when the file stays locked, the record waits in the spool for the next run."""
    try:
        # a run that never got the lock does not wait for it a second time
        runlog.save(path, record, timeout if record["step"] != "start" else 0)
    except DatabaseLocked:
        print(
            f"creditmart run: run log entry spooled to {runlog.spool_dir(path)} (the database is locked)",
            file=sys.stderr,
        )


def _raw_dir(raw_dir: str | None) -> str | None:
    if raw_dir is None:
        return None
    resolved = Path(raw_dir).expanduser().resolve()
    if not resolved.is_dir():
        raise CreditmartError(f"--raw-dir {raw_dir} is not a directory")
    return str(resolved)


def _build(path: Path, month: str, raw_dir: str | None, full_refresh: bool, timeout: float) -> list[str]:
    """dbt build for the month; returns the failed data tests (the gate's business); raises on errors."""
    connect(path, timeout=timeout).close()  # wait here, not inside dbt, while another process holds the file
    target = PROJECT_DIR / "target"
    results_path = target / "run_results.json"
    results_path.unlink(missing_ok=True)
    command = [DBT, *SCHEDULED_BUILD, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    command += ["--full-refresh"] if full_refresh else []
    # the month and the raw directory as environment variables, not --vars:
    # dbt then keeps its saved parse from one month to the next (README)
    env = {
        **os.environ,
        "CREDITMART_DUCKDB_PATH": str(path),
        "CREDITMART_REPORTING_MONTH": month,
        "CREDITMART_RAW_DIR": raw_dir or "",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    problems: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print(f"      {line.rstrip()}", flush=True)
        if "creditmart: " in line:
            problems.append(line.split("creditmart: ", 1)[1].strip())
        elif lock_holder(line):
            problems.append(locked_message(path, lock_holder(line), 0))
    returncode = process.wait()
    if returncode == 0:
        return []
    if problems:
        raise CreditmartError(problems[0])
    if not results_path.exists():
        raise CreditmartError(f"dbt build exited {returncode} before running any node (see logs/dbt.log)")
    results = json.loads(results_path.read_text(encoding="utf-8"))["results"]
    broken = [r["unique_id"] for r in results if r["status"] == "error" and not r["unique_id"].startswith("test.")]
    if broken:
        raise CreditmartError(f"dbt build failed at {', '.join(broken[:3])} (see logs/dbt.log)")
    failed = [r["unique_id"].split(".")[2] for r in results if r["status"] in ("fail", "error")]
    if not failed:
        raise CreditmartError(f"dbt build exited {returncode} (see logs/dbt.log)")
    return failed


def _month_counts(path: Path, month: str, timeout: float) -> dict:
    con = connect(path, read_only=True, timeout=timeout)
    try:
        reconciliation = con.execute(
            "select in_scope, submitted, excluded_no_consent + excluded_withdrawn, rejected "
            "from rpt_submission_reconciliation where report_month = ?",
            [month],
        ).fetchall()
        by_rule = con.execute(
            "select rule_id, severity, count(*) from fct_rule_violations where report_month = ? "
            "group by all order by rule_id",
            [month],
        ).fetchall()
    finally:
        con.close()
    if not reconciliation:
        raise CreditmartError(f"{month} is not in the mart after the build")
    in_scope, submitted, excluded, rejected = reconciliation[0]
    return {
        "in_scope": in_scope,
        "submitted": submitted,
        "excluded": excluded,
        "rejected": rejected,
        "error_violations": sum(count for _, severity, count in by_rule if severity == "error"),
        "warn_violations": sum(count for _, severity, count in by_rule if severity != "error"),
        "violations_by_rule": json.dumps({rule: count for rule, _, count in by_rule}, sort_keys=True),
    }


def _summary(record: dict, files: int, seconds: float) -> str:
    gate = {"success": "passed", "gate_failed": "FAILED"}.get(record["status"], "not reached")

    def count(name: str) -> str:
        return "-" if record.get(name) is None else f"{record[name]:,}"

    return (
        f"creditmart run {record.get('report_month') or '?'}: {record['status']} (exit {record['exit_code']}) | "
        f"in scope {count('in_scope')} | submitted {count('submitted')} | excluded {count('excluded')} | "
        f"rejected {count('rejected')} | quality gate {gate} | files {files}"
        + (f" in {record['export_dir']}" if record.get("export_dir") else "")
        + f" | run {record['run_id'][:12]} | {seconds:.0f} s"
    )
