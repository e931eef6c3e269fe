"""Shared by every command: the project and its vars, the landing contract, the DuckDB file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
# dbt build as a scheduled month runs it: every model, seed and data test, but
# not the unit tests, which test the SQL on fixed inputs (CI and `make test`
# run them; dbt Labs recommends leaving them out of production runs)
SCHEDULED_BUILD = ["build", "--exclude-resource-type", "unit_test"]
# The landing contract (SPEC §1): the six raw entities and their columns, all read as text.
LANDING_COLUMNS: dict[str, list[str]] = {
    "borrowers": [
        "borrower_id",
        "full_name",
        "id_type",
        "id_number",
        "birth_date",
        "gender",
        "mobile_phone",
        "region_code",
        "updated_at",
    ],
    "accounts": [
        "account_id",
        "borrower_id",
        "account_type",
        "business_kind",
        "open_date",
        "due_date",
        "currency",
        "loan_amount",
        "credit_limit",
        "repay_mode",
        "repay_frequency",
        "guarantee_mode",
        "closed_date",
    ],
    "installments": ["account_id", "installment_no", "scheduled_on", "due_date", "principal_due", "interest_due"],
    "payments": ["payment_id", "account_id", "installment_no", "paid_at", "amount"],
    "consent_events": [
        "event_id",
        "borrower_id",
        "purpose",
        "action",
        "event_at",
        "channel",
        "policy_version",
        "evidence_ref",
    ],
    "negative_notices": ["notice_id", "account_id", "notified_at", "channel"],
}
MONTH_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class CreditmartError(Exception):
    """A problem the user can fix, reported as one line without a traceback."""


def duckdb_path(explicit: str | None = None) -> Path:
    """The mart's DuckDB file: --db, else CREDITMART_DUCKDB_PATH, else creditmart.duckdb."""
    return Path(explicit or os.environ.get("CREDITMART_DUCKDB_PATH", "creditmart.duckdb"))


def dbt_vars() -> dict:
    """The vars block of dbt_project.yml (the documented defaults)."""
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("vars", {})


def check_month(month: str) -> str:
    if not MONTH_PATTERN.match(month or ""):
        raise CreditmartError(f"month '{month}' is not a month in YYYY-MM form (e.g. 2026-10)")
    return month


def project_revision() -> str:
    """git revision of the project, or 'unknown' outside a git checkout."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() or "unknown"


LOCK_ERROR = re.compile(
    r'Could not set lock on file "(?P<file>[^"]+)": Conflicting lock is held in (?P<holder>.*?) \(PID (?P<pid>\d+)\)'
)


class DatabaseLocked(CreditmartError):
    """Another process holds the DuckDB file's write lock."""


def lock_timeout(explicit: float | None = None) -> float:
    """Seconds to wait for another process's DuckDB lock: --lock-timeout, else CREDITMART_LOCK_TIMEOUT, else 60."""
    if explicit is not None:
        return explicit
    value = os.environ.get("CREDITMART_LOCK_TIMEOUT", "60")
    try:
        return float(value)
    except ValueError:
        raise CreditmartError(f"CREDITMART_LOCK_TIMEOUT '{value}' is not a number of seconds") from None


def lock_holder(error: BaseException) -> str | None:
    """'PID 123 (/usr/bin/python3)' when a DuckDB error is another process's lock, else None."""
    match = LOCK_ERROR.search(str(error))
    return f"PID {match['pid']} ({match['holder']})" if match else None


def locked_message(path: Path, holder: str, waited: float) -> str:
    return (
        f"{path} is locked by another process, {holder}; waited {waited:.0f} s "
        "(DuckDB allows one writer at a time; raise --lock-timeout or CREDITMART_LOCK_TIMEOUT)"
    )


def connect(path: Path, read_only: bool = False, timeout: float | None = None):
    """Open the DuckDB file, waiting up to `timeout` seconds while another process holds its lock.

    A lock that outlasts the wait raises DatabaseLocked (one line naming the holder);
    any other failure to open raises CreditmartError.
    """
    import duckdb

    timeout = lock_timeout(timeout)
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            holder = lock_holder(error)
            if holder is None:
                raise CreditmartError(f"cannot open {path}: {str(error).splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                raise DatabaseLocked(locked_message(path, holder, timeout)) from None
            if not announced:
                print(f"waiting up to {timeout:.0f} s for {path}: locked by {holder}", file=sys.stderr, flush=True)
                announced = True
            time.sleep(0.5)
