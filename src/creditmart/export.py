"""`creditmart export`: the EXPORT.md file set of one month, verified, then
recorded in the furnished-state ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb

from creditmart.project import CreditmartError, check_month, connect, dbt_vars, duckdb_path, project_revision

SPEC_VERSION = "creditmart-spec-v1"
FORMAT_VERSION = "2.0.0"
BEIJING = dt.timezone(dt.timedelta(hours=8))

# The 210 message layout (EXPORT.md): XML element -> submission_account_records column.
ACCOUNT_BASE = [
    ("InfRecType", "inf_rec_type"),
    ("AcctType", "account_type"),
    ("AcctCode", "account_id"),
    ("RptDate", "rpt_date"),
    ("RptDateCode", "rpt_date_code"),
    ("Name", "full_name"),
    ("IDType", "id_type"),
    ("IDNum", "id_number"),
    ("MngmtOrgCode", "mngmt_org_code"),
]
ACCOUNT_BASIC = [
    ("BusiLines", "busi_lines"),
    ("BusiDtlLines", "business_kind"),
    ("OpenDate", "open_date"),
    ("Cy", "currency"),
    ("AcctCredLine", "credit_limit"),
    ("LoanAmt", "loan_amount"),
    ("DueDate", "due_date"),
    ("RepayMode", "repay_mode"),
    ("RepayFreqcy", "repay_frequency"),
    ("RepayPrd", "repay_periods"),
    ("GuarMode", "guarantee_mode"),
]
ACCOUNT_MONTHLY = [
    ("Month", "report_month"),
    ("AcctStatus", "acct_status"),
    ("AcctBal", "balance"),
    ("RemRepPrd", "remaining_periods"),
    ("FiveCate", "five_tier_class"),
    ("RpyStatus", "rpy_status"),
    ("OverdPrd", "overdue_periods"),
    ("TotOverd", "total_overdue"),
    ("OverdPrinc", "overdue_principal"),
    ("Oved31_60Princ", "overdue_principal_31_60"),
    ("Oved61_90Princ", "overdue_principal_61_90"),
    ("Oved91_180Princ", "overdue_principal_91_180"),
    ("OvedPrinc180", "overdue_principal_over_180"),
    ("CurRpyAmt", "current_due_amount"),
    ("ActRpyAmt", "current_paid_amount"),
    ("LatRpyAmt", "last_payment_amount"),
    ("LatRpyDate", "last_payment_date"),
    ("CloseDate", "closed_date"),
]
PERSON_BASE = [
    ("InfRecType", "inf_rec_type"),
    ("Name", "full_name"),
    ("IDType", "id_type"),
    ("IDNum", "id_number"),
    ("InfSurcCode", "inf_surc_code"),
    ("RptDate", "rpt_date"),
    ("RptDateCode", "rpt_date_code"),
    ("CustomerType", "customer_type"),
]
PERSON_FOCUS = [
    ("Sex", "gender"),
    ("DOB", "birth_date"),
    ("CellPhone", "mobile_phone"),
    ("InfoUpDate", "info_updated_on"),
]
LEDGER_ACCOUNT_COLUMNS = [
    "report_month",
    "account_id",
    "borrower_id",
    "account_type",
    "open_date",
    "loan_amount",
    "credit_limit",
    "rpt_date_code",
    "acct_status",
    "balance",
    "remaining_periods",
    "five_tier_class",
    "rpy_status",
    "overdue_periods",
    "total_overdue",
    "overdue_principal",
    "overdue_principal_31_60",
    "overdue_principal_61_90",
    "overdue_principal_91_180",
    "overdue_principal_over_180",
    "current_due_amount",
    "current_paid_amount",
    "last_payment_amount",
    "last_payment_date",
    "closed_date",
    "consent_event_id",
]


def format_value(value) -> str:
    """Amounts in whole yuan, rounded half up; dates ISO; None empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def segment(name: str, fields: list[tuple[str, str]], row: dict) -> str:
    parts = [f"<{tag}>{escape(format_value(row[column]))}</{tag}>" for tag, column in fields if row[column] is not None]
    return f"<{name}>{''.join(parts)}</{name}>" if parts else ""


def account_record(row: dict) -> str:
    basic = segment("AcctBsInfSgmt", ACCOUNT_BASIC, row) if row["rpt_date_code"] in ("10", "31") else ""
    return (
        "<InAcctInf>"
        + segment("AcctBsSgmt", ACCOUNT_BASE, row)
        + basic
        + segment("AcctMthlyBlgInfSgmt", ACCOUNT_MONTHLY, row)
        + "</InAcctInf>"
    )


def person_record(row: dict) -> str:
    return "<PsnBsInf>" + segment("BsSgmt", PERSON_BASE, row) + segment("FcsInfSgmt", PERSON_FOCUS, row) + "</PsnBsInf>"


def deletion_record(row: dict) -> str:
    # project-defined 214 layout: account code and the month to delete
    return (
        "<AcctDelInf><InfRecType>214</InfRecType>"
        f"<AcctCode>{escape(row['account_id'])}</AcctCode><Month>{escape(row['report_month'])}</Month>"
        f"<DelRsn>{escape(row['deletion_reason'])}</DelRsn></AcctDelInf>"
    )


def header_line(record_type: str, org_code: str, generated_at: dt.datetime, count: int) -> str:
    header = (
        f"A050{record_type}{FORMAT_VERSION}{dbt_vars().get('header_flag', '10')}{org_code:<14.14}"
        f"{generated_at.strftime('%Y%m%d%H%M%S')}{count:08d}"
    )
    if len(header) != 50:
        raise CreditmartError(f"header of {record_type} is {len(header)} characters, not 50")
    return header


@dataclass
class MessageFile:
    record_type: str
    name: str
    records: list[str]
    body_sha256: str = ""
    file_sha256: str = ""
    control_totals: dict = field(default_factory=dict)


def body_of(records: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Document>' + "".join(records) + "</Document>\n").encode("utf-8")


def rows_of(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=False)) for values in cursor.fetchall()]


def run_export(month: str, out_dir: str, db: str | None = None, deletion_policy: str | None = None) -> str:
    check_month(month)
    settings = dbt_vars()
    org_code = str(settings.get("org_code", ""))
    if len(org_code) != 14:
        raise CreditmartError(f"org_code must be 14 characters, got {len(org_code)}")
    policy = deletion_policy or settings.get("deletion_policy", "propose")
    ledger = settings.get("ledger_schema", "ledger")
    path = duckdb_path(db)
    if not path.exists():
        raise CreditmartError(f"{path} does not exist: run `dbt build` first")
    con = connect(path)
    try:
        return _export(con, month, Path(out_dir), org_code, policy, ledger)
    finally:
        con.close()


def _export(con, month: str, out_dir: Path, org_code: str, policy: str, ledger: str) -> str:
    try:
        reconciliation = con.execute(
            "select balanced from rpt_submission_reconciliation where report_month = ?", [month]
        ).fetchall()
        con.execute(f"select count(*) from {ledger}.furnished_account_records").fetchall()
    except duckdb.CatalogException:
        raise CreditmartError(f"{month}: the mart or its ledger is missing: run `dbt build` first") from None
    if not reconciliation:
        raise CreditmartError(f'{month} is not in the mart: build it with --vars \'{{"reporting_month": "{month}"}}\'')
    if not reconciliation[0][0]:
        raise CreditmartError(f"{month} does not reconcile (rpt_submission_reconciliation.balanced is false)")

    accounts = rows_of(
        con, "select * from submission_account_records where report_month = ? order by account_id", [month]
    )
    persons = rows_of(
        con, "select * from submission_person_records where report_month = ? order by borrower_id", [month]
    )
    deletions = (
        rows_of(con, "select * from submission_deletions where not is_requested order by report_month, account_id", [])
        if policy == "include"
        else []
    )

    generated_at = dt.datetime.now(BEIJING).replace(microsecond=0, tzinfo=None)
    stamp = generated_at.strftime("%Y%m%d")
    month_dir = out_dir / month
    month_dir.mkdir(parents=True, exist_ok=True)
    for stale in month_dir.glob("*.txt"):
        stale.unlink()

    files: list[MessageFile] = []
    for record_type, rows, render in (
        ("210", accounts, account_record),
        ("110", persons, person_record),
        ("214", deletions, deletion_record),
    ):
        if rows:
            files.append(
                MessageFile(record_type, f"{org_code}{stamp}{record_type}00010.txt", [render(r) for r in rows])
            )
    account_file = next((f for f in files if f.record_type == "210"), None)
    if account_file:
        account_file.control_totals = _control_totals(con, month)
    for message in files:
        body = body_of(message.records)
        content = (header_line(message.record_type, org_code, generated_at, len(message.records)) + "\n").encode(
            "ascii"
        ) + body
        (month_dir / message.name).write_bytes(content)
        message.body_sha256 = hashlib.sha256(body).hexdigest()
        message.file_sha256 = hashlib.sha256(content).hexdigest()

    revision = project_revision()
    manifest = {
        "reporting_month": month,
        "generated_at": generated_at.isoformat(),
        "timezone": "+08:00",
        "org_code": org_code,
        "spec_version": SPEC_VERSION,
        "rule_set_version": _rule_set_version(con),
        "project_revision": revision,
        "deletion_policy": policy,
        "files": [
            {
                "name": m.name,
                "record_type": m.record_type,
                "record_count": len(m.records),
                "sha256": m.file_sha256,
                "body_sha256": m.body_sha256,
                "control_totals": m.control_totals,
            }
            for m in files
        ],
    }
    (month_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    _verify(con, month, month_dir, {"210": len(accounts), "110": len(persons), "214": len(deletions)})
    added = _record_in_ledger(con, ledger, month, accounts, persons, deletions, files, generated_at, revision)
    counts = ", ".join(f"{m.record_type}: {len(m.records)}" for m in files) or "no records"
    return f"exported {month} to {month_dir} ({counts}); verified; ledger: {added} new furnished records" + (
        "" if policy == "include" else "; deletion policy 'propose': deletion requests not written"
    )


def _control_totals(con, month: str) -> dict:
    balance, overdue = con.execute(
        "select coalesce(sum(balance), 0), coalesce(sum(total_overdue), 0) from submission_account_records "
        "where report_month = ?",
        [month],
    ).fetchall()[0]
    by_rpy = dict(
        con.execute(
            "select rpy_status, count(*) from submission_account_records where report_month = ? group by 1 order by 1",
            [month],
        ).fetchall()
    )
    by_acct = dict(
        con.execute(
            "select acct_status, count(*) from submission_account_records where report_month = ? group by 1 order by 1",
            [month],
        ).fetchall()
    )
    return {
        "sum_balance": str(balance),
        "sum_total_overdue": str(overdue),
        "count_by_rpy_status": by_rpy,
        "count_by_acct_status": by_acct,
    }


def _rule_set_version(con) -> str:
    rules = con.execute("select rule_id, severity, description from reference.ref_rule_catalogue order by 1").fetchall()
    return "sha256:" + hashlib.sha256(json.dumps(rules).encode("utf-8")).hexdigest()[:16]


def _verify(con, month: str, month_dir: Path, expected: dict) -> None:
    """Re-read every file: header, XML, counts, checksums, totals, consent."""
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["record_type"]: f for f in manifest["files"]}
    for record_type, count in expected.items():
        if count == 0:
            if record_type in listed:
                raise CreditmartError(f"verification: a {record_type} file was written for no records")
            continue
        entry = listed.get(record_type)
        if entry is None:
            raise CreditmartError(f"verification: the {record_type} file is missing from the manifest")
        content = (month_dir / entry["name"]).read_bytes()
        header, _, body = content.partition(b"\n")
        if len(header) != 50 or not header.startswith(b"A050" + record_type.encode()):
            raise CreditmartError(f"verification: {entry['name']} header is not a 50-character {record_type} header")
        try:
            document = ElementTree.fromstring(body)
        except ElementTree.ParseError as error:
            raise CreditmartError(f"verification: {entry['name']} does not parse as XML ({error})") from None
        header_count, body_count = int(header[-8:]), len(document)
        if not header_count == body_count == count == entry["record_count"]:
            raise CreditmartError(
                f"verification: {entry['name']} header count {header_count}, body {body_count}, "
                f"model rows {count}, manifest {entry['record_count']} differ"
            )
        if (
            hashlib.sha256(body).hexdigest() != entry["body_sha256"]
            or hashlib.sha256(content).hexdigest() != entry["sha256"]
        ):
            raise CreditmartError(f"verification: {entry['name']} checksum differs from the manifest")
        if record_type == "210":
            _verify_accounts(con, month, document, entry)


def _verify_accounts(con, month: str, document, entry: dict) -> None:
    if entry["control_totals"] != _control_totals(con, month):
        raise CreditmartError("verification: manifest control totals differ from the sums over the model")
    statuses = Counter(r.findtext("AcctMthlyBlgInfSgmt/RpyStatus") for r in document)
    if dict(statuses) != entry["control_totals"]["count_by_rpy_status"]:
        raise CreditmartError("verification: rpy_status counts in the file differ from the manifest")
    consented = {
        r[0]
        for r in con.execute(
            "select distinct borrowers.id_number from fct_account_months as months "
            "inner join intermediate.int_borrowers_checked as borrowers "
            "on months.borrower_id = borrowers.borrower_id and borrowers.is_chosen_version "
            "where months.report_month = ? and months.outcome = 'submitted' and months.consent_event_id is not null",
            [month],
        ).fetchall()
    }
    unconsented = sum(1 for r in document if r.findtext("AcctBsSgmt/IDNum") not in consented)
    if unconsented:
        raise CreditmartError(f"verification: {unconsented} records carry an ID number not consented at the cutoff")


def _record_in_ledger(
    con,
    ledger: str,
    month: str,
    accounts: list[dict],
    persons: list[dict],
    deletions: list[dict],
    files: list[MessageFile],
    generated_at: dt.datetime,
    revision: str,
) -> int:
    """Insert what was furnished; a record already furnished is never rewritten."""
    names = {m.record_type: m.name for m in files}
    records = {m.record_type: m.records for m in files}
    before = con.execute(f"select count(*) from {ledger}.furnished_account_records").fetchall()[0][0]
    con.execute("begin transaction")
    try:
        for row, xml in zip(accounts, records.get("210", []), strict=False):
            values = [row[c] for c in LEDGER_ACCOUNT_COLUMNS]
            con.execute(
                f"insert into {ledger}.furnished_account_records ({', '.join(LEDGER_ACCOUNT_COLUMNS)}, "
                f"record_sha256, file_name, generated_at, project_revision) values "
                f"({', '.join('?' * (len(values) + 4))}) on conflict do nothing",
                [*values, hashlib.sha256(xml.encode("utf-8")).hexdigest(), names["210"], generated_at, revision],
            )
        for row, xml in zip(persons, records.get("110", []), strict=False):
            con.execute(
                f"insert into {ledger}.furnished_person_records values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
                [
                    month,
                    row["borrower_id"],
                    row["rpt_date_code"],
                    hashlib.sha256(xml.encode("utf-8")).hexdigest(),
                    names["110"],
                    generated_at,
                    revision,
                ],
            )
        for row in deletions:
            con.execute(
                f"insert into {ledger}.furnished_deletions values (?, ?, ?, ?, ?, ?) on conflict do nothing",
                [row["report_month"], row["account_id"], row["deletion_reason"], names["214"], generated_at, revision],
            )
        con.execute("commit")
    except duckdb.Error:
        con.execute("rollback")
        raise
    after = con.execute(f"select count(*) from {ledger}.furnished_account_records").fetchall()[0][0]
    return after - before
