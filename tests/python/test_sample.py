"""The bundled sample: every rule, outcome and status it promises, and no PII
outside the submission models."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import PROJECT_DIR

SAMPLE = PROJECT_DIR / "seeds" / "sample"


def catalogue_rule_ids() -> set[str]:
    with open(PROJECT_DIR / "seeds" / "reference" / "ref_rule_catalogue.csv", encoding="utf-8") as handle:
        return {row["rule_id"] for row in csv.DictReader(handle)}


def test_every_recordable_rule_fires_on_the_sample(sample_build):
    fired = {row[0] for row in sample_build.query("select distinct rule_id from fct_rule_violations")}
    expected = {r for r in catalogue_rule_ids() if not r.startswith(("PRG-", "CHK-"))}
    assert expected - fired == set()
    assert not {r for r in fired if r.startswith("CHK-")}, "guards never become violation rows"


def test_every_outcome_reason_status_and_code_appears(sample_build):
    outcomes = {r[0] for r in sample_build.query("select distinct outcome from fct_account_months")}
    assert outcomes == {"submitted", "excluded", "rejected"}
    reasons = {
        r[0]
        for r in sample_build.query(
            "select distinct outcome_reasons from fct_account_months where outcome = 'excluded'"
        )
    }
    assert reasons == {"NO_CONSENT", "CONSENT_WITHDRAWN"}
    statuses = {r[0] for r in sample_build.query("select distinct rpy_status from fct_account_months")}
    assert statuses == {"N", "M", "*", "1", "2", "3", "4", "5", "6", "7", "C"}
    codes = {r[0] for r in sample_build.query("select distinct rpt_date_code from fct_account_months")}
    assert codes == {"10", "20", "30", "31"}
    types = {r[0] for r in sample_build.query("select distinct account_type from submission_account_records")}
    assert types == {"D1", "R1"}


def test_consent_at_the_cutoff_on_the_sample(sample_build):
    rows = dict(
        ((r[0], r[1]), (r[2], r[3]))
        for r in sample_build.query(
            "select account_id, report_month, outcome, outcome_reasons from fct_account_months "
            "where account_id in ('A004', 'A005', 'A006') and report_month in ('2026-09', '2026-10')"
        )
    )
    # granted 23:59:59 Beijing on 31 October: counts for October only
    assert rows[("A004", "2026-10")] == ("submitted", None)
    assert rows[("A004", "2026-09")] == ("excluded", "NO_CONSENT")
    # granted 00:00:00 Beijing on 1 November: not October
    assert rows[("A005", "2026-10")] == ("excluded", "NO_CONSENT")
    # grant and withdrawal at the same instant: the withdrawal wins
    assert rows[("A006", "2026-10")] == ("excluded", "CONSENT_WITHDRAWN")


def test_late_payment_after_the_cutoff_counts_next_month(sample_build):
    rows = dict(
        (r[0], r[1:])
        for r in sample_build.query(
            "select report_month, rpy_status, days_past_due, current_paid_amount from fct_account_months "
            "where account_id = 'A012' and report_month in ('2026-09', '2026-10')"
        )
    )
    assert rows["2026-09"][:2] == ("1", 5)
    assert rows["2026-10"][0] == "N"
    assert float(rows["2026-10"][2]) == 2100.0


def test_reconciliation_balances_every_month(sample_build):
    rows = sample_build.query("select report_month, balanced from rpt_submission_reconciliation")
    assert len(rows) == 10
    assert all(balanced for _, balanced in rows)


def pii_values() -> set[str]:
    values: set[str] = set()
    with open(SAMPLE / "raw_borrowers.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column, min_length in (("full_name", 2), ("id_number", 8), ("mobile_phone", 8)):
                # short digit strings (a malformed phone like 12345) would match timings in logs
                value = row[column].strip()
                if len(value) >= min_length:
                    values |= {value, value.upper()}
    return values


def test_no_pii_outside_the_submission_models(sample_build):
    pii = pii_values()
    assert len(pii) > 60
    forbidden_columns = {"full_name", "id_number", "mobile_phone"}
    public = ["fct_account_months", "fct_rule_violations", "rpt_submission_reconciliation", "rpt_consent_coverage"]
    for table in public:
        columns = [
            r[0]
            for r in sample_build.query(
                f"select column_name from information_schema.columns where table_name = '{table}'"
            )
        ]
        assert not forbidden_columns & set(columns), table
        text = " ".join(str(v) for row in sample_build.query(f"select * from {table}") for v in row)
        assert [p for p in pii if p in text] == [], table
    # stored test failures (built with --store-failures)
    audit_tables = sample_build.query(
        "select table_schema, table_name from information_schema.tables where table_schema like '%dbt_test__audit%'"
    )
    assert audit_tables, "store_failures wrote no tables"
    for schema, table in audit_tables:
        text = " ".join(str(v) for row in sample_build.query(f'select * from "{schema}"."{table}"') for v in row)
        assert [p for p in pii if p in text] == [], table
    # logs and run results
    for path in [sample_build.target_path / "run_results.json", *Path(sample_build.db_path.parent / "logs").glob("*")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert [p for p in pii if p in text] == [], path.name


def test_pii_check_can_fail(sample_build):
    """The PII probe above finds PII where it is: in the submission model."""
    text = " ".join(str(v) for row in sample_build.query("select * from submission_person_records") for v in row)
    assert any(p in text for p in pii_values())


def test_pay_003_is_exactly_the_overpaid_installments(sample_build):
    # recomputed from the checked payments and installments, not from the
    # model that PAY-003 reads: fires on each overpaid installment, on no other
    overpaid = set(
        sample_build.query("""
            select payments.account_id || '#' || cast(payments.installment_no as varchar)
            from intermediate.int_payments_checked as payments
            inner join intermediate.int_installments_checked as installments
                on payments.account_id = installments.account_id
                and payments.installment_no = installments.installment_no
                and installments.is_chosen_version
                and not installments.fails_ins_002
            where payments.is_valid and payments.paid_on_local < date '2026-11-01'
            group by payments.account_id, payments.installment_no
            having sum(payments.amount) > max(installments.amount_due)
        """)
    )
    fired = set(sample_build.query("select entity_id from fct_rule_violations where rule_id = 'PAY-003'"))
    assert overpaid, "the sample has an overpaid installment"
    assert fired == overpaid
    quiet = sample_build.query("""
        select count(*) from intermediate.int_installment_payment_months
        where paid_to_date <= amount_due
    """)
    assert quiet[0][0] > 0, "and installments paid up to their amount_due"
