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


def test_malformed_month_in_the_environment(tmp_path):
    build = run_dbt(["build"], tmp_path, env={"CREDITMART_REPORTING_MONTH": "2026-13"})
    assert_clean_failure(build, "reporting_month '2026-13' is not a month in YYYY-MM form")


def test_a_new_month_in_the_environment_parses_nothing_again(tmp_path):
    """A scheduled month's new CREDITMART_REPORTING_MONTH keeps dbt's saved parse; new --vars do not."""

    def parse(month: str, **dbt_vars) -> str:
        build = run_dbt(["parse"], tmp_path, dbt_vars or None, env={"CREDITMART_REPORTING_MONTH": month})
        assert build.returncode == 0, build.output[-2000:]
        log = (tmp_path / "logs" / "dbt.log").read_text()
        return log[log.rfind("Running with dbt") :]

    parse("2026-09")
    assert "no changes found, skipping parsing" in parse("2026-10")
    parse("2026-10", reporting_month="2026-09")
    assert "Unable to do partial parsing because config vars" in parse("2026-10", reporting_month="2026-10")


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


@pytest.mark.parametrize("given_as", ["vars", "environment"])
def test_empty_raw_dir_builds(tmp_path, given_as):
    """Six empty entity files are valid input: the mart is empty and balanced.

    The raw directory and the month as vars or as the environment variables
    a scheduled run sets (a month other than the default, so it is read).
    """
    raw = write_raw_dir(tmp_path / "raw", ENTITIES, {"borrowers": "parquet"})
    if given_as == "vars":
        build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw), "reporting_month": "2026-09"})
    else:
        env = {"CREDITMART_RAW_DIR": str(raw), "CREDITMART_REPORTING_MONTH": "2026-09"}
        build = run_dbt(["build"], tmp_path / "work", env=env)
    assert build.returncode == 0, build.output[-3000:]
    assert build.query("select report_month, in_scope, balanced from rpt_submission_reconciliation") == [
        ("2026-09", 0, True)
    ]
    # the raw directory's (empty) files were read, not the bundled sample
    assert build.query("select count(*) from staging.stg_lending__accounts") == [(0,)]
