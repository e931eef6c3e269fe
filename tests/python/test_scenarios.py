"""Scenarios: each builds the project from its own small raw directory (CSV
and Parquet) and asserts the exact rows of the public models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import build_raw
from idnumbers import citizen_id


def borrower(borrower_id: str, sequence: int, **overrides) -> dict:
    row = {
        "borrower_id": borrower_id,
        "full_name": f"测试{borrower_id}",
        "id_type": "10",
        "id_number": citizen_id("19900101", sequence),
        "birth_date": "1990-01-01",
        "gender": "1" if sequence % 2 else "2",
        "mobile_phone": f"1390000{sequence:04d}",
        "region_code": "310101",
        "updated_at": "2025-06-01T00:00:00Z",
    }
    row.update(overrides)
    return row


def d1_account(account_id: str, borrower_id: str, open_date: str, loan: str, **overrides) -> dict:
    row = {
        "account_id": account_id,
        "borrower_id": borrower_id,
        "account_type": "D1",
        "business_kind": "91",
        "open_date": open_date,
        "due_date": "2026-12-31",
        "currency": "CNY",
        "loan_amount": loan,
        "credit_limit": "",
        "repay_mode": "11",
        "repay_frequency": "03",
        "guarantee_mode": "4",
        "closed_date": "",
    }
    row.update(overrides)
    return row


def installment(account_id: str, number: int, due: str, principal: str, interest: str) -> dict:
    return {
        "account_id": account_id,
        "installment_no": str(number),
        "scheduled_on": "",
        "due_date": due,
        "principal_due": principal,
        "interest_due": interest,
    }


def payment(payment_id: str, account_id: str, number: int, paid_at: str, amount: str) -> dict:
    return {
        "payment_id": payment_id,
        "account_id": account_id,
        "installment_no": str(number),
        "paid_at": paid_at,
        "amount": amount,
    }


def event(
    event_id: str,
    borrower_id: str,
    action: str,
    at: str,
    purpose: str = "credit_reporting",
    channel: str = "app",
    policy_version: str = "v1",
) -> dict:
    return {
        "event_id": event_id,
        "borrower_id": borrower_id,
        "purpose": purpose,
        "action": action,
        "event_at": at,
        "channel": channel,
        "policy_version": policy_version,
        "evidence_ref": f"ev-{event_id}",
    }


def three_instalments(account_id: str) -> list[dict]:
    return [
        installment(account_id, n, due, "1000.00", "30.00")
        for n, due in enumerate(["2026-09-15", "2026-10-15", "2026-11-15"], 1)
    ]


def test_consent_gate_and_derivations_exact_rows(tmp_path):
    entities = {
        "borrowers": [borrower("C1", 11), borrower("C2", 12), borrower("C3", 13), borrower("C4", 14)],
        "accounts": [d1_account(f"K{n}", f"C{n}", "2026-08-15", "3000.00") for n in range(1, 5)],
        "installments": [i for n in range(1, 5) for i in three_instalments(f"K{n}")],
        "payments": [
            payment("P1", "K1", 1, "2026-09-20T10:00:00+08:00", "1030.00"),  # 5 days late, same month: M
            payment("P2", "K1", 2, "2026-10-14T02:00:00Z", "500.00"),  # partial: interest first
            payment("P3", "K3", 1, "2026-09-15T02:00:00Z", "1030.00"),
            payment("P4", "K3", 2, "2026-10-15T02:00:00Z", "1030.00"),
            payment("P5", "K4", 1, "2026-09-15 10:00:00.5+08:00", "1030.00"),
            payment("P6", "K4", 2, "2026-10-15T02:00:00Z", "1030.00"),
        ],
        "consent_events": [
            event("G1", "C1", "grant", "2026-10-31T15:59:59Z"),  # 23:59:59 Beijing: October
            event("G2", "C2", "grant", "2026-10-31T16:00:00Z"),  # 00:00 on 1 Nov: not October
            event("W3", "C3", "withdraw", "2026-09-15T02:00:00Z"),
            event("G3", "C3", "grant", "2026-09-15T02:00:00Z"),  # same instant: withdrawal wins
            event("G4", "C4", "grant", "2026-08-01T02:00:00Z", channel="web"),
            event("W4", "C4", "withdraw", "2026-09-10T02:00:00Z"),
            event("G5", "C4", "grant", "2026-10-05T02:00:00Z", channel="branch", policy_version="v2"),
        ],
    }
    build = build_raw(tmp_path, entities, "2026-10", formats={"payments": "parquet", "consent_events": "parquet"})
    rows = build.query("""
        select account_id, report_month, outcome, outcome_reasons, consent_event_id, rpy_status,
               balance, days_past_due, total_overdue, overdue_principal, rpt_date_code
        from fct_account_months order by account_id, report_month""")
    D = Decimal
    assert rows == [
        ("K1", "2026-08", "excluded", "NO_CONSENT", None, "*", D("3000.00"), 0, D("0.00"), D("0.00"), "10"),
        ("K1", "2026-09", "excluded", "NO_CONSENT", None, "M", D("2000.00"), 0, D("0.00"), D("0.00"), "30"),
        ("K1", "2026-10", "submitted", None, "G1", "1", D("1530.00"), 16, D("530.00"), D("530.00"), "31"),
        ("K2", "2026-08", "excluded", "NO_CONSENT", None, "*", D("3000.00"), 0, D("0.00"), D("0.00"), "10"),
        ("K2", "2026-09", "excluded", "NO_CONSENT", None, "1", D("3000.00"), 15, D("1030.00"), D("1000.00"), "30"),
        ("K2", "2026-10", "excluded", "NO_CONSENT", None, "2", D("3000.00"), 46, D("2060.00"), D("2000.00"), "30"),
        ("K3", "2026-08", "excluded", "NO_CONSENT", None, "*", D("3000.00"), 0, D("0.00"), D("0.00"), "10"),
        ("K3", "2026-09", "excluded", "CONSENT_WITHDRAWN", None, "N", D("2000.00"), 0, D("0.00"), D("0.00"), "30"),
        ("K3", "2026-10", "excluded", "CONSENT_WITHDRAWN", None, "N", D("1000.00"), 0, D("0.00"), D("0.00"), "30"),
        ("K4", "2026-08", "submitted", None, "G4", "*", D("3000.00"), 0, D("0.00"), D("0.00"), "10"),
        ("K4", "2026-09", "excluded", "CONSENT_WITHDRAWN", None, "N", D("2000.00"), 0, D("0.00"), D("0.00"), "30"),
        ("K4", "2026-10", "submitted", None, "G5", "N", D("1000.00"), 0, D("0.00"), D("0.00"), "30"),
    ]
    k1_october = build.query("""
        select current_due_amount, current_paid_amount, last_payment_date, last_payment_amount,
               remaining_periods, five_tier_class, acct_status, repayment_history_24m
        from fct_account_months where account_id = 'K1' and report_month = '2026-10'""")
    assert k1_october == [
        (
            D("1030.00"),
            D("500.00"),
            __import__("datetime").date(2026, 10, 14),
            D("500.00"),
            1,
            "2",
            "2",
            "1M*" + "/" * 21,
        )
    ]
    assert build.query(
        "select report_month, account_id, id_number, consent_event_id from submission_account_records order by 1, 2"
    ) == [
        ("2026-08", "K4", citizen_id("19900101", 14), "G4"),
        ("2026-10", "K1", citizen_id("19900101", 11), "G1"),
        ("2026-10", "K4", citizen_id("19900101", 14), "G5"),
    ]
    assert build.query(
        "select report_month, borrower_id, rpt_date_code from submission_person_records order by 1, 2"
    ) == [("2026-08", "C4", "10"), ("2026-10", "C1", "10")]
    assert build.query("""
        select report_month, in_scope, submitted, excluded_no_consent, excluded_withdrawn, rejected, balanced
        from rpt_submission_reconciliation order by 1""") == [
        ("2026-08", 4, 1, 3, 0, 0, True),
        ("2026-09", 4, 0, 2, 2, 0, True),
        ("2026-10", 4, 2, 1, 1, 0, True),
    ]
    coverage = build.query("""
        select dimension, dimension_value, borrowers_in_scope, consented_borrowers, coverage_ratio
        from rpt_consent_coverage where report_month = '2026-10' order by 1, 2""")
    assert coverage == [
        ("channel", "app", 4, 1, D("0.250000")),
        ("channel", "branch", 4, 1, D("0.250000")),
        ("overall", "all", 4, 2, D("0.500000")),
        ("policy_version", "v1", 4, 1, D("0.250000")),
        ("policy_version", "v2", 4, 1, D("0.250000")),
    ]
    # submitted overdue without a prior negative notice: the only violation
    assert build.query("select rule_id, severity, report_month, entity_id from fct_rule_violations") == [
        ("LEG-001", "warn", "2026-10", "K1")
    ]


def test_bad_input_is_recorded_never_dropped(tmp_path):
    granted = "2025-12-01T00:00:00Z"
    accounts = [
        d1_account("A1", "B1", "2026-01-05", "1000.00"),
        d1_account("A2", "B2", "2026-01-05", "1000.00"),
        d1_account("A3", "B3", "2026-01-05", "1000.00"),
        d1_account("A4", "B4", "2026-01-05", "1000.00"),
        d1_account("A5", "B5", "2026-01-05", "1000.00"),
        d1_account("A6", "B1", "2026-01-05", "abc"),  # unparseable amount
        d1_account("A7", "B1", "2026-01-05", "1000.00", currency="ABC"),  # unknown code
        d1_account("A8", "B404", "2026-01-05", "1000.00"),  # orphan borrower
        d1_account("A9", "B1", "2026-01-05", "1000.00"),
        d1_account("A9", "B1", "2026-01-05", "1000.00", repay_mode="12"),  # conflicting duplicate
        d1_account("A10", "B1", "2026/01/05", "1000.00"),  # unparseable date: never in scope
        d1_account("A11", "B1", "2026-01-05", "1000.00"),
        d1_account("A12", "B6", "2026-01-05", "1000.00"),
        d1_account("A13", "B7", "2026-01-05", "1000.00"),
        d1_account("A14", "B1", "2026-01-05", "9999999999999999.99"),  # beyond the money type
        d1_account("A15", "B1", "2026-01-05", "999999999999.99"),  # the largest amount, paid 901 times
    ]
    installments = [
        i
        for a in accounts[:9] + accounts[10:-1]
        for i in (
            installment(a["account_id"], 1, "2026-02-05", "500.00", "0.00"),
            installment(a["account_id"], 2, "2026-03-05", "500.00", "0.00"),
        )
    ]
    # A15 (last of the accounts, left out above): one installment of the whole loan
    installments.append(installment("A15", 1, "2026-02-05", "999999999999.99", "0.00"))
    installments.append(installment("A11", 2, "2026-03-05", "500.00", "10.00"))  # conflicting installment
    installments.append(installment("AZ", 1, "2026-03-05", "500.00", "0.00"))  # orphan installment
    entities = {
        "borrowers": [
            borrower("B1", 21),
            borrower("B2", 22, birth_date="1990-13-01"),
            borrower("B3", 23),
            borrower("B3", 23),
            borrower("B4", 24),
            borrower("B4", 24, mobile_phone="13900009999"),
            borrower("B5", 25, id_type="ZZ"),
            borrower("B6", 26),
            borrower("B7", 27),
        ],
        "accounts": accounts,
        "installments": installments,
        "payments": [
            payment("P1", "A1", 1, "2026-02-05T02:00:00Z", "500.00"),
            payment("P2", "A1", 2, "2026-03-01T02:00:00Z", "12,00"),  # unparseable amount
            payment("P3", "A1", 2, "2026-03-05T02:00:00Z", "500.00"),
            payment("P3", "A1", 2, "2026-03-05T02:00:00Z", "500.00"),  # exact duplicate
            payment("P4", "A1", 2, "2026-03-05T02:00:00Z", "100.00"),
            payment("P4", "A1", 2, "2026-03-05T02:00:00Z", "200.00"),  # conflicting duplicate
            payment("P5", "AX", 1, "2026-03-05T02:00:00Z", "100.00"),  # orphan
            payment("P6", "A1", 1, "2026-02-06T02:00:00Z", "9999999999999999.99"),  # beyond the money type
            # a month's payments on one installment summing past 9 * 10^14 yuan:
            # to_cents' wide path (64 bits would overflow)
            *[payment(f"PL{n}", "A15", 1, "2026-02-05T02:00:00Z", "999999999999.99") for n in range(901)],
        ],
        "consent_events": [
            *[event(f"E{n}", f"B{n}", "grant", granted) for n in range(1, 8)],
            event("E60", "B6", "Withdraw", "2026-02-10T02:00:00Z"),  # unknown action: ambiguous
            event("E70", "B7", "grant", "2026-01-10T02:00:00Z"),
            event("E70", "B7", "withdraw", "2026-01-10T02:00:00Z"),  # conflicting duplicate
            event("E90", "B999", "grant", granted),  # unknown borrower
            event("E91", "B1", "grant", "2026-01-10 10:00:00", purpose="marketing"),  # no offset
        ],
        "negative_notices": [],
    }
    build = build_raw(
        tmp_path,
        entities,
        "2026-03",
        formats={"borrowers": "parquet", "installments": "parquet", "consent_events": "parquet"},
    )
    outcomes = build.query("select account_id, report_month, outcome, outcome_reasons from fct_account_months")
    by_account: dict[str, set] = {}
    for account_id, month, outcome, reasons in outcomes:
        by_account.setdefault(account_id, set()).add((month, outcome, reasons))
    every = lambda outcome, reasons: {(m, outcome, reasons) for m in ("2026-01", "2026-02", "2026-03")}  # noqa: E731
    assert by_account == {
        "A1": every("submitted", None),
        "A2": every("rejected", "PER-002,RAW-001"),
        "A3": every("submitted", None),
        "A4": every("rejected", "PER-005"),
        "A5": every("rejected", "ID-001"),
        "A6": every("rejected", "ACC-003,RAW-001"),
        "A7": every("rejected", "ACC-002"),
        "A8": every("excluded", "NO_CONSENT"),
        "A9": every("rejected", "ACC-009"),
        "A11": every("rejected", "INS-001"),
        "A12": {("2026-01", "submitted", None), ("2026-02", "rejected", "CON-003"), ("2026-03", "rejected", "CON-003")},
        "A13": every("rejected", "CON-003"),
        "A14": every("rejected", "ACC-003,RAW-001"),
        "A15": every("submitted", None),
    }
    violations = {
        tuple(r)
        for r in build.query(
            "select rule_id, severity, coalesce(report_month, '-'), entity_type, entity_id from fct_rule_violations"
        )
    }
    expected = {
        ("RAW-001", "error", "-", "borrower", "B2"),
        ("RAW-002", "warn", "-", "borrower", "B3"),
        ("PER-005", "error", "-", "borrower", "B4"),
        ("ID-001", "error", "-", "borrower", "B5"),
        ("RAW-001", "error", "-", "account", "A6"),
        ("ACC-003", "error", "-", "account", "A6"),
        ("ACC-002", "error", "-", "account", "A7"),
        ("ACC-007", "error", "-", "account", "A8"),
        ("ACC-009", "error", "-", "account", "A9"),
        ("RAW-001", "error", "-", "account", "A10"),
        ("INS-001", "error", "-", "installment", "A11#2"),
        ("INS-002", "warn", "-", "installment", "AZ#1"),
        ("RAW-001", "error", "-", "payment", "P2"),
        ("RAW-001", "error", "-", "account", "A14"),
        ("ACC-003", "error", "-", "account", "A14"),
        ("RAW-001", "error", "-", "payment", "P6"),
        ("RAW-002", "warn", "-", "payment", "P3"),
        ("PAY-003", "warn", "-", "installment", "A15#1"),
        ("PAY-005", "warn", "-", "payment", "P4"),
        ("PAY-001", "warn", "-", "payment", "P5"),
        ("CON-001", "warn", "-", "consent_event", "E90"),
        ("CON-002", "warn", "-", "consent_event", "E91"),
        ("CON-003", "error", "2026-02", "borrower", "B6"),
        ("CON-003", "error", "2026-03", "borrower", "B6"),
        ("CON-003", "error", "2026-01", "borrower", "B7"),
        ("PER-002", "error", "2026-01", "borrower", "B2"),
    }
    assert expected - violations == set()
    # the payments that count: P1 and one copy of P3 fully pay A1; P2, P4 and P6 are ignored
    assert build.query(
        "select report_month, balance, rpy_status from fct_account_months where account_id = 'A1' order by 1"
    ) == [("2026-01", Decimal("1000.00"), "*"), ("2026-02", Decimal("500.00"), "N"), ("2026-03", Decimal("0.00"), "N")]
    # 901 payments of the largest amount: exact in cents past 64-bit products
    assert build.query(
        "select report_month, balance, current_paid_amount from fct_account_months where account_id = 'A15' order by 1"
    ) == [
        ("2026-01", Decimal("999999999999.99"), Decimal("0.00")),
        ("2026-02", Decimal("0.00"), Decimal("900999999999990.99")),
        ("2026-03", Decimal("0.00"), Decimal("0.00")),
    ]
    # conservation still holds, in count and balance
    assert build.query("select bool_and(balanced), sum(in_scope) from rpt_submission_reconciliation") == [(True, 42)]
    # RAW-001 details name the column, never the value
    details = {r[0] for r in build.query("select detail from fct_rule_violations where rule_id = 'RAW-001'")}
    assert "loan_amount: unparseable" in details
    assert not any("abc" in d or "12,00" in d or "9999" in d for d in details)


def test_surrounding_whitespace_is_trimmed(tmp_path):
    """SPEC §7: a leading or a trailing space, tab, CR or LF alone is trimmed
    before a value is parsed or matched (Parquet keeps the bytes as given)."""
    entities = {
        "borrowers": [borrower("B1", 31)],
        "accounts": [d1_account("\tA1", "B1 ", "2026-01-05\r\n", " 1000.00")],
        "installments": [installment("A1\n", 1, "\t2026-02-05", "1000.00 ", "0.00")],
        "payments": [payment(" P1", "A1\r", 1, "2026-02-05T02:00:00Z\n", "\t1000.00")],
        "consent_events": [event("E1", "B1", "grant", "2025-12-01T00:00:00Z")],
    }
    build = build_raw(tmp_path, entities, "2026-03", formats=dict.fromkeys(entities, "parquet"))
    assert build.query(
        "select account_id, borrower_id, open_date, loan_amount, raw_problems from staging.stg_lending__accounts"
    ) == [("A1", "B1", dt.date(2026, 1, 5), Decimal("1000.00"), None)]
    assert build.query(
        "select payment_id, account_id, paid_on_local, amount, raw_problems from staging.stg_lending__payments"
    ) == [("P1", "A1", dt.date(2026, 2, 5), Decimal("1000.00"), None)]
    assert build.query(
        "select account_id, report_month, outcome, balance from fct_account_months order by report_month"
    ) == [
        ("A1", "2026-01", "submitted", Decimal("1000.00")),
        ("A1", "2026-02", "submitted", Decimal("0.00")),
        ("A1", "2026-03", "submitted", Decimal("0.00")),
    ]
