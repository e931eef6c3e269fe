"""Great Expectations validation, its exit code, no PII in anything it or the
report writes, and the report seen in a real (headless) browser."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import PROJECT_DIR, creditmart, run_dbt
from test_sample import pii_values

QUALITY = PROJECT_DIR / "target" / "quality"
GX_UNCOMMITTED = PROJECT_DIR / "gx" / "uncommitted"


@pytest.fixture(scope="module")
def validated_sample(sample_build):
    for folder in (QUALITY, GX_UNCOMMITTED / "validations"):
        shutil.rmtree(folder, ignore_errors=True)
    result = creditmart("validate", "--db", str(sample_build.db_path))
    report = creditmart("report", "--db", str(sample_build.db_path), "--target-path", str(sample_build.target_path))
    assert report.returncode == 0, report.stderr
    return result


def gx_results() -> list[dict]:
    return json.loads((QUALITY / "gx_results.json").read_text())["results"]


def test_bad_sample_rows_fail_error_expectations_and_exit_1(validated_sample):
    assert validated_sample.returncode == 1, validated_sample.stdout + validated_sample.stderr
    results = gx_results()
    failed = {(r["suite"], r["rule_id"]) for r in results if not r["success"]}
    for expected in [
        ("inbound_borrowers", "ID-002"),
        ("inbound_borrowers", "ID-003"),
        ("inbound_borrowers", "RAW-001"),
        ("inbound_accounts", "ACC-002"),
        ("inbound_payments", "PAY-005"),
        ("inbound_consent_events", "CON-003"),
    ]:
        assert expected in failed
    assert all(r["rule_id"] and r["severity"] in ("error", "warn") for r in results)
    assert not [r for r in results if r["error"]], "no expectation raised"
    # what goes out is clean: outbound error-severity expectations all pass on the sample
    assert not [
        r for r in results if r["suite"].startswith("outbound") and r["severity"] == "error" and not r["success"]
    ]


def test_no_pii_in_any_file_validation_and_report_write(validated_sample):
    pii = pii_values()
    written = [
        p
        for folder in (QUALITY, GX_UNCOMMITTED)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".json", ".html", ".yml", ".txt", ".css", ".js")
    ]
    assert any(p.suffix == ".html" for p in written) and any("validations" in str(p) for p in written)
    hits = []
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        hits += [(path.name, value) for value in pii if value in text]
    assert hits == []


def tampered_evidence(sample_build, tmp_path, consent_event_id: str):
    """A copy of the sample mart whose first 2026-10 submission record carries other evidence."""
    import duckdb

    tampered = tmp_path / "tampered.duckdb"
    shutil.copy(sample_build.db_path, tampered)
    con = duckdb.connect(str(tampered))
    con.execute(
        f"update submission_account_records set consent_event_id = {consent_event_id} "
        "where account_id = (select min(account_id) from submission_account_records) and report_month = '2026-10'"
    )
    con.close()
    return tampered


def singular_tests(db, tests: list[str], tmp_path) -> tuple[int, dict[str, int]]:
    """dbt's exit code and each singular test's failures, run on a copy of a built mart."""
    work = tmp_path / db.stem
    work.mkdir()
    shutil.copy(db, work / "creditmart.duckdb")
    build = run_dbt(["test", "--select", *tests], work)
    results = build.run_results()["results"]
    return build.returncode, {
        r["unique_id"].split(".")[2]: r["failures"] for r in results if r["unique_id"].startswith("test.")
    }


def test_outbound_expectation_fires_on_a_bad_submission(sample_build, tmp_path):
    tampered = tampered_evidence(sample_build, tmp_path, "null")
    result = creditmart("validate", "--db", str(tampered), "--month", "2026-10")
    assert result.returncode == 1
    failed = [r for r in gx_results() if not r["success"] and r["suite"] == "outbound_submission_account_records"]
    assert [(r["rule_id"], r["unexpected_count"]) for r in failed] == [("CHK-006", 1)]


def test_consent_assertion_fires_on_a_record_without_its_grant(sample_build, tmp_path):
    """CHK-006's dbt test reads the submission file: quiet on the sample, one
    failure when a record's evidence is not the borrower's last grant."""

    test = "assert_submitted_borrowers_consented_at_cutoff"
    assert singular_tests(sample_build.db_path, [test], tmp_path) == (0, {test: 0})
    tampered = tampered_evidence(sample_build, tmp_path, "'not-the-grant'")
    assert singular_tests(tampered, [test], tmp_path) == (1, {test: 1})


def test_conservation_assertion_fires_on_a_lost_or_misplaced_account(sample_build, tmp_path):
    """assert_conservation_by_month: quiet on the sample; one failing month when
    one account-month is missing from fct_account_months, or when an open
    account closes on the last day of the month before the last (the
    in-scope count it makes from the accounts themselves drops in the last
    month only)."""
    import duckdb

    test = "assert_conservation_by_month"
    assert singular_tests(sample_build.db_path, [test], tmp_path) == (0, {test: 0})

    missing = tmp_path / "missing.duckdb"
    shutil.copy(sample_build.db_path, missing)
    con = duckdb.connect(str(missing))
    con.execute(
        "delete from fct_account_months where (account_id, report_month) = "
        "(select (account_id, report_month) from fct_account_months order by account_id, report_month limit 1)"
    )
    con.close()
    assert singular_tests(missing, [test], tmp_path) == (1, {test: 1})

    closed = tmp_path / "closed.duckdb"
    shutil.copy(sample_build.db_path, closed)
    con = duckdb.connect(str(closed))
    [(last,)] = con.execute("select max(month_start) from intermediate.int_reporting_months").fetchall()
    [(account_id,)] = con.execute(
        "select min(account_id) from intermediate.int_accounts_checked "
        "where is_chosen_version and closed_date is null and open_date < ?",
        [last],
    ).fetchall()
    assert account_id is not None
    con.execute(
        "update intermediate.int_accounts_checked set closed_date = cast(? as date) - 1 where account_id = ?",
        [last, account_id],
    )
    con.close()
    assert singular_tests(closed, [test], tmp_path) == (1, {test: 1})


def test_guards_fire_on_a_broken_row(sample_build, tmp_path):
    """CHK-001..005 (tests/singular/guards): quiet on the sample, exactly one
    failure each when one submitted row breaks that guard alone."""
    import duckdb

    guards = [
        "assert_chk_001_closed_consistency",
        "assert_chk_002_overdue_consistency",
        "assert_chk_003_overdue_amounts_ordered",
        "assert_chk_004_five_tier_per_policy",
        "assert_chk_005_d1_balance_within_loan",
    ]

    assert singular_tests(sample_build.db_path, guards, tmp_path)[1] == dict.fromkeys(guards, 0)

    broken = tmp_path / "broken.duckdb"
    shutil.copy(sample_build.db_path, broken)
    con = duckdb.connect(str(broken))
    # four different current, open, submitted account-months; each breaks one guard
    rows = con.execute(
        "select account_id, report_month from fct_account_months "
        "where outcome = 'submitted' and acct_status = '1' and days_past_due = 0 and overdue_periods = 0 "
        "order by account_id, report_month limit 4"
    ).fetchall()
    assert len(rows) == 4
    for (account_id, report_month), change in zip(
        rows,
        [
            "rpy_status = 'C'",  # CHK-001: C without acct_status 3
            "overdue_periods = 1",  # CHK-002: overdue periods without days past due
            "overdue_principal_31_60 = -1",  # CHK-003: a negative bucket
            "five_tier_class = case when five_tier_class = '1' then '5' else '1' end",  # CHK-004
        ],
        strict=True,
    ):
        con.execute(
            f"update fct_account_months set {change} where account_id = ? and report_month = ?",
            [account_id, report_month],
        )
    # CHK-005: a D1 record's balance above its loan amount
    con.execute(
        "update submission_account_records set balance = loan_amount + 1 where (account_id, report_month) = "
        "(select (account_id, report_month) from submission_account_records where account_type = 'D1' "
        "order by account_id, report_month limit 1)"
    )
    con.close()
    assert singular_tests(broken, guards, tmp_path)[1] == dict.fromkeys(guards, 1)


def test_clean_data_validates_with_exit_0(tmp_path):
    raw = tmp_path / "raw"
    assert (
        creditmart("generate", "--borrowers", "1500", "--months", "6", "--seed", "9", "--out", str(raw)).returncode == 0
    )
    build = run_dbt(["build"], tmp_path / "work", {"raw_dir": str(raw), "reporting_month": "2026-10"})
    assert build.returncode == 0, build.output[-2000:]
    result = creditmart("validate", "--db", str(build.db_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error-severity failures" in result.stdout


def test_report_contents(validated_sample):
    data = json.loads((QUALITY / "quality.json").read_text())
    assert data["month"] == "2026-10"
    assert data["status"]["all_months_balanced"] is True
    assert [f["stage"] for f in data["funnel"]] == [
        "in scope",
        "consented",
        "passed error rules",
        "submitted",
        "furnished (exported)",
    ]
    assert len(data["conservation"]) == 10
    rules = {r["rule_id"]: r for r in data["rules"]}
    assert rules["CHK-001"]["dbt_tests"] == 1 and rules["CHK-001"]["dbt_failures"] == 0
    assert rules["ID-003"]["gx_failures"] >= 1 and rules["ID-003"]["violations"] >= 1
    assert data["violations_by_rule"][0]["violations"] >= data["violations_by_rule"][-1]["violations"]
    html = (QUALITY / "report.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
    assert 'href="data_docs/index.html"' in html and (QUALITY / "data_docs" / "index.html").exists()


def test_report_renders_in_headless_chromium(validated_sample):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian chromium is part of the test set-up (make test installs it)"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={QUALITY / 'chromium-profile'}",
    ]
    url = (QUALITY / "report.html").as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") >= 4 and dom.stdout.count("<table") >= 5
    assert "conservation 2026-10: balanced" in dom.stdout
    screenshot = PROJECT_DIR / "target" / "quality-report.png"
    screenshot.unlink(missing_ok=True)
    shot = subprocess.run(
        [browser, *flags, "--window-size=1200,2400", "--hide-scrollbars", f"--screenshot={screenshot}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    assert screenshot.stat().st_size > 30_000  # a rendered page, not a blank one
