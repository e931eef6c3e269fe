"""The expectation suites: inbound (one per raw entity, over the staged rows)
and outbound (over the submission models and fct_account_months, per month).

Every expectation carries meta.rule_id (RULES.md) and meta.severity from the
rule catalogue, so results join the dbt tests and the violations by rule.
Code lists come from the reference seeds in the built DuckDB file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import great_expectations.expectations as gxe

from creditmart.project import LANDING_COLUMNS
from creditmart.quality.expectations import ExpectColumnValuesToBeValidCitizenIds

CITIZEN = 'id_type=="10"'


@dataclass
class SuiteSpec:
    name: str
    relation: str
    columns: list[str]
    key: str | None = None  # inbound: hash-partition key (uniqueness stays checkable per batch)
    per_month: bool = False  # outbound: one batch per report_month
    expectations: list = field(default_factory=list)


def codes(con: duckdb.DuckDBPyConnection, seed: str, where: str = "true") -> list[str]:
    return [r[0] for r in con.execute(f"select code from reference.{seed} where {where} order by 1").fetchall()]


# Inbound expectations gate the run on mass quality breakdowns: single bad rows
# are the rules' business (rejected and explained in fct_rule_violations), so
# an inbound expectation passes while at least this share of rows conform.
# Outbound expectations allow no exception: what goes out must be clean.
INBOUND_MOSTLY = 0.99


def tag(expectation, rule_id: str, severities: dict[str, str]):
    severity = severities[rule_id]
    expectation.meta = {"rule_id": rule_id, "severity": severity}
    expectation.severity = "critical" if severity == "error" else "warning"
    return expectation


def build_suites(con: duckdb.DuckDBPyConnection) -> list[SuiteSpec]:
    severities = dict(con.execute("select rule_id, severity from reference.ref_rule_catalogue").fetchall())

    def t(expectation, rule_id: str):
        return tag(expectation, rule_id, severities)

    def condition(expression: str) -> dict:
        return {"row_condition": expression, "condition_parser": "pandas"}

    derived_rpy = ["N", "M", "*", "1", "2", "3", "4", "5", "6", "7", "C"]
    specs = [
        SuiteSpec(
            "inbound_borrowers",
            "staging.stg_lending__borrowers",
            [
                "borrower_id",
                "full_name",
                "id_type",
                "id_number",
                "birth_date",
                "mobile_phone",
                "region_code",
                "raw_problems",
            ],
            key="borrower_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeNull(column="raw_problems"), "RAW-001"),
                t(gxe.ExpectColumnValuesToNotBeNull(column="borrower_id"), "RAW-001"),
                t(gxe.ExpectColumnValuesToBeUnique(column="borrower_id"), "PER-005"),
                t(gxe.ExpectColumnValuesToBeInSet(column="id_type", value_set=codes(con, "ref_id_types")), "ID-001"),
                t(
                    gxe.ExpectColumnValuesToMatchRegex(
                        column="id_number", regex=r"^[0-9]{17}[0-9X]$", **condition(CITIZEN)
                    ),
                    "ID-002",
                ),
                t(ExpectColumnValuesToBeValidCitizenIds(column="id_number", **condition(CITIZEN)), "ID-003"),
                t(gxe.ExpectColumnValuesToNotBeNull(column="full_name"), "PER-001"),
                t(
                    gxe.ExpectColumnValuesToBeBetween(column="birth_date", min_value=19010101, max_value=20991231),
                    "PER-002",
                ),
                t(gxe.ExpectColumnValuesToMatchRegex(column="mobile_phone", regex=r"^1[3-9][0-9]{9}$"), "PER-003"),
                t(gxe.ExpectColumnValuesToMatchRegex(column="region_code", regex=r"^[0-9]{6}$"), "PER-004"),
            ],
        ),
        SuiteSpec(
            "inbound_accounts",
            "staging.stg_lending__accounts",
            [*LANDING_COLUMNS["accounts"], "raw_problems"],
            key="account_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeNull(column="raw_problems"), "RAW-001"),
                t(gxe.ExpectColumnValuesToBeUnique(column="account_id"), "ACC-009"),
                t(
                    gxe.ExpectColumnValuesToBeInSet(
                        column="account_type", value_set=codes(con, "ref_account_types", "is_supported_v1")
                    ),
                    "ACC-001",
                ),
                t(
                    gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=codes(con, "ref_currencies")),
                    "ACC-002",
                ),
                t(
                    gxe.ExpectColumnValuesToBeBetween(
                        column="loan_amount", min_value=0.01, **condition('account_type=="D1"')
                    ),
                    "ACC-003",
                ),
                t(
                    gxe.ExpectColumnValuesToBeBetween(
                        column="credit_limit", min_value=0.01, **condition('account_type=="R1"')
                    ),
                    "ACC-003",
                ),
                t(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="due_date",
                        column_B="open_date",
                        or_equal=True,
                        ignore_row_if="either_value_is_missing",
                    ),
                    "ACC-004",
                ),
                t(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="closed_date",
                        column_B="open_date",
                        or_equal=True,
                        ignore_row_if="either_value_is_missing",
                    ),
                    "ACC-005",
                ),
                t(gxe.ExpectColumnValuesToNotBeNull(column="borrower_id"), "ACC-007"),
                *[
                    t(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=codes(con, seed)), "ACC-010")
                    for column, seed in (
                        ("business_kind", "ref_business_kinds"),
                        ("repay_mode", "ref_repay_modes"),
                        ("repay_frequency", "ref_repay_frequencies"),
                        ("guarantee_mode", "ref_guarantee_modes"),
                    )
                ],
            ],
        ),
        SuiteSpec(
            "inbound_installments",
            "staging.stg_lending__installments",
            ["account_id", "installment_no", "due_date", "principal_due", "interest_due", "raw_problems"],
            key="account_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeNull(column="raw_problems"), "RAW-001"),
                t(gxe.ExpectCompoundColumnsToBeUnique(column_list=["account_id", "installment_no"]), "INS-001"),
                t(gxe.ExpectColumnValuesToBeBetween(column="principal_due", min_value=0), "INS-001"),
                t(gxe.ExpectColumnValuesToBeBetween(column="interest_due", min_value=0), "INS-001"),
            ],
        ),
        SuiteSpec(
            "inbound_payments",
            "staging.stg_lending__payments",
            ["payment_id", "account_id", "installment_no", "amount", "raw_problems"],
            key="payment_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeNull(column="raw_problems"), "RAW-001"),
                t(gxe.ExpectColumnValuesToBeUnique(column="payment_id"), "PAY-005"),
                t(gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0.01), "PAY-002"),
            ],
        ),
        SuiteSpec(
            "inbound_consent_events",
            "staging.stg_lending__consent_events",
            ["event_id", "borrower_id", "purpose", "action", "event_at_local"],
            key="event_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeUnique(column="event_id"), "CON-003"),
                t(
                    gxe.ExpectColumnValuesToBeInSet(
                        column="action", value_set=["grant", "withdraw"], **condition('purpose=="credit_reporting"')
                    ),
                    "CON-003",
                ),
                t(
                    gxe.ExpectColumnValuesToNotBeNull(
                        column="event_at_local", **condition('purpose=="credit_reporting"')
                    ),
                    "CON-003",
                ),
                t(gxe.ExpectColumnValuesToNotBeNull(column="borrower_id"), "CON-001"),
            ],
        ),
        SuiteSpec(
            "inbound_negative_notices",
            "staging.stg_lending__negative_notices",
            ["notice_id", "account_id", "raw_problems"],
            key="notice_id",
            expectations=[
                t(gxe.ExpectColumnValuesToBeNull(column="raw_problems"), "RAW-001"),
                t(gxe.ExpectColumnValuesToNotBeNull(column="account_id"), "LEG-002"),
            ],
        ),
        SuiteSpec(
            "outbound_submission_account_records",
            "main.submission_account_records",
            [
                "report_month",
                "account_id",
                "account_type",
                "currency",
                "full_name",
                "id_type",
                "id_number",
                "loan_amount",
                "acct_status",
                "rpy_status",
                "five_tier_class",
                "balance",
                "total_overdue",
                "overdue_principal",
                "days_past_due",
                "consent_event_id",
            ],
            per_month=True,
            expectations=[
                t(gxe.ExpectColumnValuesToNotBeNull(column="consent_event_id"), "CHK-006"),
                t(gxe.ExpectColumnValuesToBeInSet(column="account_type", value_set=["D1", "R1"]), "ACC-001"),
                t(
                    gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=codes(con, "ref_currencies")),
                    "ACC-002",
                ),
                t(
                    gxe.ExpectColumnValuesToBeBetween(
                        column="loan_amount", min_value=0.01, **condition('account_type=="D1"')
                    ),
                    "ACC-003",
                ),
                t(gxe.ExpectColumnValuesToNotBeNull(column="full_name"), "PER-001"),
                t(
                    gxe.ExpectColumnValuesToMatchRegex(
                        column="id_number", regex=r"^[0-9]{17}[0-9X]$", **condition(CITIZEN)
                    ),
                    "ID-002",
                ),
                t(ExpectColumnValuesToBeValidCitizenIds(column="id_number", **condition(CITIZEN)), "ID-003"),
                t(gxe.ExpectColumnValuesToBeInSet(column="acct_status", value_set=["1", "2", "3"]), "CHK-001"),
                t(gxe.ExpectColumnValuesToBeInSet(column="rpy_status", value_set=derived_rpy), "CHK-002"),
                t(
                    gxe.ExpectColumnValuesToBeInSet(column="five_tier_class", value_set=["1", "2", "3", "4", "5"]),
                    "CHK-004",
                ),
                t(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="total_overdue", column_B="overdue_principal", or_equal=True
                    ),
                    "CHK-003",
                ),
                t(gxe.ExpectColumnValuesToBeBetween(column="balance", min_value=0), "CHK-005"),
            ],
        ),
        SuiteSpec(
            "outbound_submission_person_records",
            "main.submission_person_records",
            [
                "report_month",
                "borrower_id",
                "full_name",
                "id_type",
                "id_number",
                "birth_date",
                "mobile_phone",
                "rpt_date",
                "rpt_date_code",
            ],
            per_month=True,
            expectations=[
                t(gxe.ExpectColumnValuesToNotBeNull(column="full_name"), "PER-001"),
                t(
                    gxe.ExpectColumnValuesToMatchRegex(
                        column="id_number", regex=r"^[0-9]{17}[0-9X]$", **condition(CITIZEN)
                    ),
                    "ID-002",
                ),
                t(ExpectColumnValuesToBeValidCitizenIds(column="id_number", **condition(CITIZEN)), "ID-003"),
                t(gxe.ExpectColumnValuesToBeBetween(column="birth_date", min_value=19010101), "PER-002"),
                t(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A="rpt_date", column_B="birth_date", or_equal=True
                    ),
                    "PER-002",
                ),
                t(gxe.ExpectColumnValuesToMatchRegex(column="mobile_phone", regex=r"^1[3-9][0-9]{9}$"), "PER-003"),
                t(gxe.ExpectColumnValuesToBeInSet(column="rpt_date_code", value_set=["10", "20"]), "CHK-002"),
            ],
        ),
        SuiteSpec(
            "outbound_fct_account_months",
            "main.fct_account_months",
            [
                "report_month",
                "account_id",
                "outcome",
                "outcome_reasons",
                "consent_event_id",
                "rpy_status",
                "acct_status",
                "five_tier_class",
                "days_past_due",
                "balance",
                "overdue_periods",
            ],
            per_month=True,
            expectations=[
                t(
                    gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=["submitted", "excluded", "rejected"]),
                    "CHK-006",
                ),
                t(
                    gxe.ExpectColumnValuesToNotBeNull(column="consent_event_id", **condition('outcome=="submitted"')),
                    "CHK-006",
                ),
                t(
                    gxe.ExpectColumnValuesToNotBeNull(column="outcome_reasons", **condition('outcome!="submitted"')),
                    "CHK-006",
                ),
                t(gxe.ExpectColumnValuesToBeInSet(column="rpy_status", value_set=derived_rpy), "CHK-002"),
                t(gxe.ExpectColumnValuesToBeInSet(column="acct_status", value_set=["1", "2", "3"]), "CHK-001"),
                t(
                    gxe.ExpectColumnValuesToBeInSet(column="five_tier_class", value_set=["1", "2", "3", "4", "5"]),
                    "CHK-004",
                ),
                t(gxe.ExpectColumnValuesToBeBetween(column="days_past_due", min_value=0), "CHK-002"),
                t(gxe.ExpectColumnValuesToNotBeNull(column="balance"), "CHK-005"),
            ],
        ),
    ]
    for spec in specs:
        if spec.name.startswith("inbound_"):
            for expectation in spec.expectations:
                if "mostly" in getattr(type(expectation), "__fields__", {}):
                    expectation.mostly = INBOUND_MOSTLY
    return specs
