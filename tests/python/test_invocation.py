"""Bad invocations stop with one readable line naming the problem."""

from __future__ import annotations

import pytest
from conftest import run_dbt, write_raw_dir

ENTITIES = {
    "borrowers": [],
    "accounts": [],
    "installments": [],
    "payments": [],
    "consent_events": [],
    "negative_notices": [],
}


def assert_clean_failure(build, message: str) -> None:
    assert build.returncode != 0
    assert "Traceback" not in build.output
    lines = [line.strip() for line in build.output.splitlines() if line.strip().startswith("creditmart:")]
    assert lines and message in lines[0], build.output[-2000:]


@pytest.mark.parametrize("month", ["2026-13", "202610", "October"])
def test_malformed_reporting_month(tmp_path, month):
    build = run_dbt(["build"], tmp_path, {"reporting_month": month})
    assert_clean_failure(build, f"reporting_month '{month}' is not a month in YYYY-MM form")


def test_raw_dir_that_does_not_exist(tmp_path):
    build = run_dbt(["build"], tmp_path, {"raw_dir": str(tmp_path / "missing")})
    assert_clean_failure(build, "does not exist or is empty")


def test_raw_dir_without_an_entity_file(tmp_path):
    raw = write_raw_dir(tmp_path / "raw", ENTITIES)
    (raw / "payments.csv").unlink()
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw)})
    assert_clean_failure(build, "has no payments.csv or payments.parquet")


def test_file_with_a_missing_column(tmp_path):
    raw = write_raw_dir(tmp_path / "raw", ENTITIES, {"accounts": "parquet"})
    (raw / "negative_notices.csv").write_text("notice_id,account_id,notified_at\n", encoding="utf-8")
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw)})
    assert_clean_failure(build, "negative_notices.csv lacks column(s) channel")


def test_empty_raw_dir_builds(tmp_path):
    """Six empty entity files are valid input: the mart is empty and balanced."""
    raw = write_raw_dir(tmp_path / "raw", ENTITIES, {"borrowers": "parquet"})
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw), "reporting_month": "2026-10"})
    assert build.returncode == 0, build.output[-3000:]
    assert build.query("select report_month, in_scope, balanced from rpt_submission_reconciliation") == [
        ("2026-10", 0, True)
    ]
