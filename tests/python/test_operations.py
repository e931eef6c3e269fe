"""What operators use beside `creditmart run`: named selectors, source freshness
in raw-file mode, the offline docs site, and the Dagster deployment."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import duckdb
import pytest
from conftest import CREDITMART, PROJECT_DIR, run_dbt

BEIJING = dt.timezone(dt.timedelta(hours=8))


def dbt_ls(tmp_path: Path, *args: str) -> set[str]:
    listed = run_dbt(["ls", "--resource-type", "model", "--output", "name", "-q", *args], tmp_path)
    assert listed.returncode == 0, listed.output[-2000:]
    return set(listed.output.split())


def test_named_selectors(tmp_path):
    staging = dbt_ls(tmp_path, "--selector", "staging")
    intermediate = dbt_ls(tmp_path, "--selector", "intermediate")
    marts = dbt_ls(tmp_path, "--selector", "marts")
    everything = dbt_ls(tmp_path)
    assert staging and all(m.startswith("stg_") for m in staging)
    assert intermediate and all(m.startswith("int_") for m in intermediate)
    assert staging | intermediate | marts == everything and not (staging & intermediate or intermediate & marts)
    submission = dbt_ls(tmp_path, "--selector", "submission_path")
    assert {"submission_account_records", "submission_person_records", "fct_account_months"} <= submission
    assert not {"fct_rule_violations", "rpt_consent_coverage", "rpt_submission_reconciliation"} & submission
    quality = dbt_ls(tmp_path, "--selector", "quality_path")
    assert {"fct_rule_violations", "rpt_consent_coverage", "rpt_submission_reconciliation"} <= quality
    assert not {"submission_account_records", "submission_person_records"} & quality


def months_ago(count: int) -> str:
    today = dt.datetime.now(BEIJING).date().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return f"{year}-{month + 1:02d}"


def freshness(tmp_path: Path, end_month: str) -> tuple[int, dict[str, str]]:
    raw = tmp_path / "raw"
    generated = subprocess.run(
        [CREDITMART, "generate", "--borrowers", "150", "--months", "3", "--end-month", end_month, "--out", str(raw)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    checked = run_dbt(["source", "freshness"], tmp_path / "work", {"raw_dir": str(raw)})
    results = json.loads((checked.target_path / "sources.json").read_text())["results"]
    return checked.returncode, {r["unique_id"].split(".")[-1]: r["status"] for r in results}


def test_source_freshness_passes_for_last_months_snapshot(tmp_path):
    returncode, statuses = freshness(tmp_path, months_ago(1))
    assert returncode == 0
    assert set(statuses) == {"borrowers", "accounts", "payments", "consent_events"}
    assert statuses["payments"] == statuses["consent_events"] == "pass"
    assert "error" not in statuses.values()


def test_source_freshness_errors_when_a_snapshot_is_months_old(tmp_path):
    returncode, statuses = freshness(tmp_path, months_ago(5))
    assert returncode == 1
    assert statuses["payments"] == statuses["consent_events"] == statuses["accounts"] == "error"


def test_docs_site_builds_and_renders_offline(sample_build, tmp_path):
    generated = run_dbt(["docs", "generate", "--static"], sample_build.db_path.parent)
    assert generated.returncode == 0, generated.output[-2000:]
    site = generated.target_path / "static_index.html"
    assert site.exists() and site.stat().st_size > 1_000_000
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian chromium is part of the test set-up (make test installs it)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    flags += [f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=10000"]
    url = site.as_uri() + "#!/model/model.creditmart.submission_account_records"
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # rendered by the site's scripts from the embedded manifest, not copied from it
    assert 'class="break ng-binding">submission_account_records' in dom.stdout
    assert "creditmart" in dom.stdout and "Consent-gated" in dom.stdout


@pytest.fixture(scope="module")
def dagster_definitions():
    pytest.importorskip("dagster_dbt", reason="the dagster extra: pip install -e '.[dagster]'")
    warnings.filterwarnings("ignore")
    shutil.rmtree(PROJECT_DIR / "target" / "dagster", ignore_errors=True)  # a fresh manifest, as on a new checkout
    spec = importlib.util.spec_from_file_location("definitions", PROJECT_DIR / "deploy" / "dagster" / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dagster_materializes_the_sample_month_with_dbt_tests_as_checks(dagster_definitions, tmp_path, monkeypatch):
    import dagster as dg

    db = tmp_path / "mart.duckdb"
    monkeypatch.setenv("CREDITMART_DUCKDB_PATH", str(db))
    monkeypatch.delenv("CREDITMART_RAW_DIR", raising=False)
    result = dg.materialize(
        [dagster_definitions.creditmart_dbt],
        partition_key="2026-10-01",
        resources=dagster_definitions.defs.resources,
        raise_on_error=False,
    )
    assert result.success
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("submission_account_records",) in materialized and ("fct_account_months",) in materialized
    assert len(materialized) == 52  # 32 models and 20 seeds
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 77 and all(c.passed for c in checks)
    assert {c.check_name for c in checks} >= {"assert_conservation_by_month", "assert_chk_001_closed_consistency"}
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select max(report_month), count(*) from fct_account_months").fetchall() == [
            ("2026-10", 410)
        ]
    finally:
        con.close()


def test_dagster_schedule_runs_monthly_in_beijing_time(dagster_definitions):
    schedule = dagster_definitions.defs.get_schedule_def("creditmart_monthly_schedule")
    assert schedule.cron_schedule == "0 6 5 * *" and schedule.execution_timezone == "Asia/Shanghai"
    job = dagster_definitions.defs.resolve_job_def("creditmart_monthly")
    assert (
        job.partitions_def.get_partition_keys(current_time=dt.datetime(2026, 11, 5, 6, tzinfo=BEIJING))[-1]
        == "2026-10-01"
    )


def test_dagster_monthly_job_exports_when_the_gate_passes(dagster_definitions, tmp_path, monkeypatch):
    import dagster as dg

    raw = tmp_path / "raw"
    generated = subprocess.run(
        [CREDITMART, "generate", "--borrowers", "200", "--months", "3", "--end-month", "2026-10", "--out", str(raw)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    monkeypatch.setenv("CREDITMART_DUCKDB_PATH", str(tmp_path / "mart.duckdb"))
    monkeypatch.setenv("CREDITMART_RAW_DIR", str(raw))
    monkeypatch.setenv("CREDITMART_EXPORT_DIR", str(tmp_path / "exports"))
    result = dg.materialize(
        [dagster_definitions.creditmart_dbt, dagster_definitions.submission_files],
        partition_key="2026-10-01",
        resources=dagster_definitions.defs.resources,
        raise_on_error=False,
    )
    assert result.success
    [files] = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.path == ["submission_files"]
    ]
    manifest = json.loads((tmp_path / "exports" / "2026-10" / "manifest.json").read_text())
    records = {f["record_type"]: f["record_count"] for f in manifest["files"]}
    assert files.metadata["records_210"].value == records["210"] > 0
