"""`creditmart generate`: seeded, realistic synthetic raw data at scale.

Writes the six raw entities of SPEC §1 (CSV or Parquet, every column text)
in chunks of borrowers, so memory is bounded by the chunk size, not by N.
The same arguments give byte-identical files: every chunk draws from its own
generator seeded by (seed, chunk index).

Behaviour: about two accounts per borrower; D1 instalment loans (3-24
instalments) and R1 lines with monthly statements; consent for roughly a
third of borrowers across channels and policy versions, with withdrawals and
re-grants; on-time, late, partial and missed payments; delinquency that
progresses; early payoffs and closures; negative notices mostly sent before
the first delinquent month. With a defect rate, every bad-input class of
RULES.md is injected and listed in defects.csv (entity, entity_id, rule_id).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from creditmart.project import LANDING_COLUMNS, CreditmartError, check_month

REGIONS = np.array(
    [
        "110101",
        "110105",
        "310101",
        "310115",
        "440103",
        "440305",
        "330106",
        "320102",
        "510104",
        "420102",
        "610103",
        "500103",
        "120101",
        "370102",
        "350203",
        "430102",
    ]
)
SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    )
)
GIVEN = np.array(
    list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建文辉力鹏飞斌宇浩凯健俊帆帅旭宁龙林欣雪琳晨")
)
CHANNELS = np.array(["app", "web", "branch", "loan_agreement", "call_centre"])
CHECK = np.array(list("10X98765432"))
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
SECONDS_PER_DAY = 86_400
BEIJING_OFFSET = np.timedelta64(8, "h")


@dataclass
class Defects:
    rate: float
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices of the rows (out of n) that get this defect."""
        if self.rate <= 0 or n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(rng.random(n) < self.rate)

    def record(self, entity: str, ids, rule_id: str) -> None:
        self.rows.extend((entity, str(i), rule_id) for i in ids)


def text(values) -> pa.Array:
    return pa.array(values, type=pa.string()) if not isinstance(values, pa.Array) else values.cast(pa.string())


def padded_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text(pa.array(numbers)), width, "0"), "")


def dates(days: np.ndarray) -> pa.Array:
    return text(pa.array(days.astype("datetime64[D]")))


def timestamps_utc(local: np.ndarray) -> pa.Array:
    """Beijing wall-clock datetime64[s] -> ISO-8601 UTC text with Z."""
    utc = text(pa.array((local - BEIJING_OFFSET).astype("datetime64[s]")))
    return pc.binary_join_element_wise(pc.replace_substring(utc, " ", "T"), "Z", "")


def money(cents: np.ndarray) -> pa.Array:
    cents = np.asarray(cents, dtype=np.int64)
    units = text(pa.array(cents // 100))
    fraction = pc.utf8_lpad(text(pa.array(cents % 100)), 2, "0")
    return pc.binary_join_element_wise(units, fraction, ".")


def month_add(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day of month (clamped to 28) `months` later."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]") + months.astype("timedelta64[M]")
    day = np.minimum((d - d.astype("datetime64[M]")).astype(np.int64), 27)
    return month.astype("datetime64[D]") + day.astype("timedelta64[D]")


class Writers:
    """One streaming writer per entity, CSV or Parquet, every column text."""

    def __init__(self, out: Path, file_format: str):
        self.out, self.format = out, file_format
        self.schemas = {e: pa.schema([(c, pa.string()) for c in cols]) for e, cols in LANDING_COLUMNS.items()}
        self.writers: dict = {}

    def write(self, entity: str, columns: dict[str, pa.Array]) -> None:
        table = pa.table([text(columns[c]) for c in LANDING_COLUMNS[entity]], schema=self.schemas[entity])
        if entity not in self.writers:
            path = self.out / f"{entity}.{self.format}"
            self.writers[entity] = (
                pq.ParquetWriter(path, self.schemas[entity], compression="zstd")
                if self.format == "parquet"
                else pacsv.CSVWriter(
                    path, self.schemas[entity], write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            )
        self.writers[entity].write_table(table)

    def close(self) -> None:
        for entity in LANDING_COLUMNS:
            if entity not in self.writers:
                self.write(entity, {c: pa.array([], pa.string()) for c in LANDING_COLUMNS[entity]})
        for writer in self.writers.values():
            writer.close()


def generate(
    borrowers: int,
    months: int,
    seed: int,
    file_format: str,
    out: str,
    defect_rate: float = 0.0,
    end_month: str = "2026-10",
    chunk_size: int = 50_000,
    progress=sys.stderr,
) -> dict:
    if borrowers < 1 or months < 1:
        raise CreditmartError("--borrowers and --months must be positive")
    if file_format not in ("csv", "parquet"):
        raise CreditmartError("--format must be csv or parquet")
    if not 0 <= defect_rate < 1:
        raise CreditmartError("--defect-rate must be in [0, 1)")
    check_month(end_month)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    last = np.datetime64(end_month, "M")
    first = last - np.timedelta64(months - 1, "M")
    writers = Writers(out_dir, file_format)
    defects = Defects(defect_rate)
    counts = dict.fromkeys(LANDING_COLUMNS, 0)
    for start in range(0, borrowers, chunk_size):
        stop = min(start + chunk_size, borrowers)
        rng = np.random.default_rng([seed, start // chunk_size])
        for entity, columns in generate_chunk(rng, start, stop, first, last, defects).items():
            writers.write(entity, columns)
            counts[entity] += len(columns[LANDING_COLUMNS[entity][0]])
        print(f"generated {stop:,}/{borrowers:,} borrowers", file=progress, flush=True)
    writers.close()
    with open(out_dir / "defects.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["entity", "entity_id", "rule_id"])
        writer.writerows(defects.rows)
    counts["defects"] = len(defects.rows)
    return counts


def generate_chunk(
    rng: np.random.Generator, start: int, stop: int, first: np.datetime64, last: np.datetime64, defects: Defects
) -> dict[str, dict[str, pa.Array]]:
    n = stop - start
    window_start = first.astype("datetime64[D]")
    window_end = (last + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    window_days = int((window_end - window_start).astype(np.int64))

    # ---- borrowers
    number = np.arange(start, stop, dtype=np.int64) + 1
    borrower_ids = padded_ids("B", number, 9)
    # (region, birth date, sequence) from a bijection of the borrower number: unique ID numbers
    # (no accidental ID-006) for up to 16 x 15,700 x 500 = 125.6M borrowers
    mixed = (number * 2_654_435_761) % (len(REGIONS) * 15_700 * 500)
    birth = np.datetime64("1960-01-01") + ((mixed // 500) % 15_700).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    sequence = (mixed % 500) * 2 + male
    region = REGIONS[mixed // (15_700 * 500)]
    birth_digits = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    body = np.char.add(np.char.add(region, birth_digits), np.char.zfill(sequence.astype(str), 3))
    digits = body.astype("S17").view(np.uint8).reshape(n, 17) - ord("0")
    id_numbers = np.char.add(body, CHECK[(digits * WEIGHTS).sum(axis=1) % 11])
    names = np.char.add(
        np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]),
        np.where(rng.random(n) < 0.6, GIVEN[rng.integers(0, len(GIVEN), n)], ""),
    )
    phones = np.char.add(
        np.char.add("1", rng.integers(3, 10, n).astype(str)),
        np.char.zfill(rng.integers(0, 1_000_000_000, n).astype(str), 9),
    )
    updated = (
        window_start.astype("datetime64[s]")
        - np.timedelta64(400, "D")
        + rng.integers(0, (window_days + 400) * SECONDS_PER_DAY, n).astype("timedelta64[s]")
    )
    borrower_cols = {
        "borrower_id": borrower_ids,
        "full_name": names,
        "id_type": np.full(n, "10"),
        "id_number": id_numbers,
        "birth_date": dates(birth),
        "gender": np.where(male, "1", "2"),
        "mobile_phone": phones,
        "region_code": region,
        "updated_at": timestamps_utc(updated),
    }

    # ---- accounts: 1-3 per borrower, about two on average
    per_borrower = rng.choice([1, 2, 3], size=n, p=[0.33, 0.4, 0.27])
    owner = np.repeat(np.arange(n), per_borrower)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(per_borrower) - per_borrower, per_borrower)
    a = len(owner)
    account_ids = padded_ids("A", (start + owner) * 4 + slot + 1, 10)
    is_d1 = rng.random(a) < 0.6
    open_day = window_start + rng.integers(0, max(window_days - 20, 1), a).astype("timedelta64[D]")
    profile = rng.choice(5, size=a, p=[0.72, 0.10, 0.05, 0.08, 0.05])  # good, late, partial, default, payoff
    profile = np.where(~is_d1 & (profile == 4), 0, profile)

    # ---- installments: D1 schedule fixed at opening, R1 monthly statements
    d1_count = np.where(is_d1, rng.integers(3, 25, a), 0)
    loan_cents = rng.integers(10, 501, a) * 10_000
    rate = rng.uniform(0.004, 0.018, a)
    open_month = open_day.astype("datetime64[M]")
    r1_months = np.where(is_d1, 0, (last - open_month).astype(np.int64))
    inst_count = d1_count + r1_months
    inst_account = np.repeat(np.arange(a), inst_count)
    inst_no = np.arange(len(inst_account)) - np.repeat(np.cumsum(inst_count) - inst_count, inst_count) + 1
    inst_d1 = is_d1[inst_account]
    d1_due = month_add(open_day[inst_account], inst_no)
    statement = (open_month[inst_account] + inst_no.astype("timedelta64[M]")).astype("datetime64[D]")
    due = np.where(inst_d1, d1_due, statement + np.timedelta64(19, "D"))
    n_inst = d1_count[inst_account]
    base = loan_cents[inst_account] // np.maximum(n_inst, 1)
    d1_principal = np.where(inst_no == n_inst, loan_cents[inst_account] - base * (n_inst - 1), base)
    limit_cents = rng.integers(5, 201, a) * 100_000
    r1_principal = (rng.random(len(inst_account)) * 0.3 * limit_cents[inst_account]).astype(np.int64) // 100 * 100
    r1_principal = np.where(rng.random(len(inst_account)) < 0.12, 0, r1_principal)  # no spending: no statement
    principal = np.where(inst_d1, d1_principal, r1_principal)
    interest = np.where(inst_d1, (loan_cents[inst_account] * rate[inst_account]).astype(np.int64), principal // 100)
    keep = inst_d1 | (principal > 0)
    inst_account, inst_no, due, principal, interest, inst_d1, statement = (
        x[keep] for x in (inst_account, inst_no, due, principal, interest, inst_d1, statement)
    )
    amount_due = principal + interest
    i = len(inst_account)

    # ---- payments by profile
    inst_profile = profile[inst_account]
    default_from = rng.integers(1, 25, a)[inst_account]
    payoff_at = np.maximum(2, (d1_count * rng.uniform(0.3, 0.8, a)).astype(np.int64))[inst_account]
    delay = -rng.integers(0, 6, i)  # a few days early
    late = (inst_profile == 1) & (rng.random(i) < 0.5)
    delay = np.where(late, rng.integers(1, 26, i), delay)
    paid = np.ones(i, dtype=bool)
    paid &= ~((inst_profile == 3) & (inst_no >= default_from))
    payoff = (inst_profile == 4) & (inst_no >= payoff_at)
    pay_day = due + delay.astype("timedelta64[D]")
    account_payoff_day = np.where(
        payoff, month_add(open_day[inst_account], payoff_at) - np.timedelta64(3, "D"), pay_day
    )
    pay_day = np.where(payoff, account_payoff_day, pay_day)
    partial = (inst_profile == 2) & (rng.random(i) < 0.3) & paid
    first_part = np.where(partial, amount_due // 2, amount_due)
    pay_seconds = rng.integers(8 * 3600, 20 * 3600, i).astype("timedelta64[s]")
    pay_at = pay_day.astype("datetime64[s]") + pay_seconds
    second_day = pay_day + rng.integers(10, 41, i).astype("timedelta64[D]")
    cutoff = (window_end + np.timedelta64(1, "D")).astype("datetime64[s]")
    first_ok = paid & (pay_at < cutoff) & (amount_due > 0)
    second_at = second_day.astype("datetime64[s]") + pay_seconds
    second_ok = partial & (second_at < cutoff)
    pay_inst = np.concatenate([np.flatnonzero(first_ok), np.flatnonzero(second_ok)])
    pay_time = np.concatenate([pay_at[first_ok], second_at[second_ok]])
    pay_amount = np.concatenate([first_part[first_ok], (amount_due - first_part)[second_ok]])
    p = len(pay_inst)
    payment_numbers = np.arange(p, dtype=np.int64)
    payment_ids = pc.binary_join_element_wise(
        padded_ids("P", np.full(p, start, dtype=np.int64), 9), padded_ids("", payment_numbers, 8), "-"
    )

    # ---- closures: D1 fully paid within the window, and early payoffs
    paid_amount = np.bincount(pay_inst, weights=pay_amount, minlength=i)
    settled = paid_amount >= amount_due
    all_settled = np.bincount(inst_account, weights=~settled, minlength=a) == 0
    last_pay = np.full(a, np.datetime64("NaT"), dtype="datetime64[s]")
    if p:
        order = np.argsort(pay_time, kind="stable")
        last_pay[inst_account[pay_inst[order]]] = pay_time[order]
    closes = is_d1 & all_settled & (d1_count > 0) & ~np.isnat(last_pay) & (rng.random(a) < 0.9)
    closed_day = np.where(closes, last_pay.astype("datetime64[D]") + np.timedelta64(2, "D"), np.datetime64("NaT"))
    closed_day = np.where(closed_day > window_end, np.datetime64("NaT"), closed_day)

    # ---- negative notices: defaulters, mostly before their first delinquent month ends
    first_missed = np.full(a, np.datetime64("NaT"), dtype="datetime64[D]")
    missed = (inst_profile == 3) & ~paid
    order = np.argsort(due[missed])[::-1]
    first_missed[inst_account[missed][order]] = due[missed][order]
    notified = (~np.isnat(first_missed)) & (first_missed <= window_end) & (rng.random(a) < 0.9)
    notice_accounts = np.flatnonzero(notified)
    notice_at = (
        first_missed[notice_accounts] + rng.integers(1, 5, len(notice_accounts)).astype("timedelta64[D]")
    ).astype("datetime64[s]") + np.timedelta64(10, "h")

    # ---- consent: a third grant; some withdraw, some of those re-grant; marketing for others
    grants = rng.random(n) < 0.34
    first_open = np.full(n, window_end)
    np.minimum.at(first_open, owner, open_day)
    grant_at = (first_open - np.timedelta64(30, "D")).astype("datetime64[s]") + rng.integers(
        0, (window_days + 30) * SECONDS_PER_DAY, n
    ).astype("timedelta64[s]") // 2
    withdraws = grants & (rng.random(n) < 0.15)
    withdraw_at = grant_at + rng.integers(20, 200, n).astype("timedelta64[D]")
    regrants = withdraws & (rng.random(n) < 0.4)
    regrant_at = withdraw_at + rng.integers(10, 120, n).astype("timedelta64[D]")
    marketing = ~grants & (rng.random(n) < 0.1)
    event_borrower = np.concatenate(
        [np.flatnonzero(grants), np.flatnonzero(withdraws), np.flatnonzero(regrants), np.flatnonzero(marketing)]
    )
    event_action = np.concatenate(
        [
            np.full(grants.sum(), "grant"),
            np.full(withdraws.sum(), "withdraw"),
            np.full(regrants.sum(), "grant"),
            np.full(marketing.sum(), "grant"),
        ]
    )
    event_time = np.concatenate([grant_at[grants], withdraw_at[withdraws], regrant_at[regrants], grant_at[marketing]])
    event_purpose = np.concatenate(
        [
            np.full(grants.sum() + withdraws.sum() + regrants.sum(), "credit_reporting"),
            np.full(marketing.sum(), "marketing"),
        ]
    )
    in_window = event_time < cutoff
    order = np.lexsort((event_time, event_borrower))
    order = order[in_window[order]]
    event_borrower, event_action, event_time, event_purpose = (
        x[order] for x in (event_borrower, event_action, event_time, event_purpose)
    )
    e = len(event_borrower)
    event_ids = pc.binary_join_element_wise(
        padded_ids("E", start + event_borrower + 1, 9), padded_ids("", np.arange(e), 7), "-"
    )
    policy = np.where(
        event_time < np.datetime64("2025-01-01"), "v1", np.where(event_time < np.datetime64("2026-01-01"), "v2", "v3")
    )

    tables = {
        "borrowers": borrower_cols,
        "accounts": {
            "account_id": account_ids,
            "borrower_id": pc.take(borrower_ids, pa.array(owner)),
            "account_type": np.where(is_d1, "D1", "R1"),
            "business_kind": np.full(a, "91"),
            "open_date": dates(open_day),
            "due_date": dates(np.where(is_d1, month_add(open_day, d1_count), month_add(open_day, np.full(a, 36)))),
            "currency": np.full(a, "CNY"),
            "loan_amount": pc.if_else(pa.array(is_d1), money(loan_cents), pa.scalar(None, pa.string())),
            "credit_limit": pc.if_else(pa.array(is_d1), pa.scalar(None, pa.string()), money(limit_cents)),
            "repay_mode": np.where(is_d1, "11", "31"),
            "repay_frequency": np.full(a, "03"),
            "guarantee_mode": np.full(a, "4"),
            "closed_date": dates(closed_day),
        },
        "installments": {
            "account_id": pc.take(account_ids, pa.array(inst_account)),
            "installment_no": text(pa.array(inst_no)),
            "scheduled_on": pc.if_else(pa.array(inst_d1), pa.scalar(None, pa.string()), dates(statement)),
            "due_date": dates(due),
            "principal_due": money(principal),
            "interest_due": money(interest),
        },
        "payments": {
            "payment_id": payment_ids,
            "account_id": pc.take(account_ids, pa.array(inst_account[pay_inst])),
            "installment_no": text(pa.array(inst_no[pay_inst])),
            "paid_at": timestamps_utc(pay_time),
            "amount": money(pay_amount),
        },
        "consent_events": {
            "event_id": event_ids,
            "borrower_id": pc.take(borrower_ids, pa.array(event_borrower)),
            "purpose": event_purpose,
            "action": event_action,
            "event_at": timestamps_utc(event_time),
            "channel": CHANNELS[rng.integers(0, len(CHANNELS), e)],
            "policy_version": policy,
            "evidence_ref": pc.binary_join_element_wise("sha256:", event_ids, ""),
        },
        "negative_notices": {
            "notice_id": padded_ids("N", (start * 4 + notice_accounts).astype(np.int64), 11),
            "account_id": pc.take(account_ids, pa.array(notice_accounts)),
            "notified_at": timestamps_utc(notice_at),
            "channel": np.full(len(notice_accounts), "sms"),
        },
    }
    tables = {entity: {c: text(v) for c, v in cols.items()} for entity, cols in tables.items()}
    if defects.rate > 0:
        inject_defects(rng, tables, defects, start)
    return tables


def inject_defects(rng: np.random.Generator, tables: dict, defects: Defects, start: int) -> None:
    """Every bad-input class of RULES.md at the defect rate, listed in defects.csv."""

    def set_values(entity: str, column: str, rows: np.ndarray, value: str) -> None:
        values = tables[entity][column].to_pylist()
        for r in rows:
            values[r] = value
        tables[entity][column] = pa.array(values, pa.string())

    def append_rows(entity: str, rows: np.ndarray, changes: dict[str, str]) -> None:
        for column in LANDING_COLUMNS[entity]:
            extra = pc.take(tables[entity][column], pa.array(rows, pa.int64()))
            if column in changes:
                extra = pa.array([changes[column]] * len(rows), pa.string())
            tables[entity][column] = pa.concat_arrays([tables[entity][column], extra])

    def ids(entity: str, rows: np.ndarray, column: str) -> list[str]:
        return pc.take(tables[entity][column], pa.array(rows, pa.int64())).to_pylist()

    def pick(entity: str, used: set) -> np.ndarray:
        rows = defects.pick(rng, len(tables[entity][LANDING_COLUMNS[entity][0]]))
        rows = np.array([r for r in rows if r not in used], dtype=np.int64)
        used.update(rows.tolist())
        return rows

    used: dict[str, set] = {e: set() for e in LANDING_COLUMNS}
    # unparseable date and amount (RAW-001)
    rows = pick("borrowers", used["borrowers"])
    set_values("borrowers", "birth_date", rows, "1990/01/01")
    defects.record("borrower", ids("borrowers", rows, "borrower_id"), "RAW-001")
    rows = pick("accounts", used["accounts"])
    set_values("accounts", "open_date", rows, "2026-02-30")
    defects.record("account", ids("accounts", rows, "account_id"), "RAW-001")
    rows = pick("payments", used["payments"])
    set_values("payments", "amount", rows, "12,00")
    defects.record("payment", ids("payments", rows, "payment_id"), "RAW-001")
    # unknown codes
    rows = pick("accounts", used["accounts"])
    set_values("accounts", "currency", rows, "XXQ")
    defects.record("account", ids("accounts", rows, "account_id"), "ACC-002")
    rows = pick("borrowers", used["borrowers"])
    set_values("borrowers", "id_type", rows, "ZZ")
    defects.record("borrower", ids("borrowers", rows, "borrower_id"), "ID-001")
    # orphans
    rows = pick("accounts", used["accounts"])
    set_values("accounts", "borrower_id", rows, "B-UNKNOWN")
    defects.record("account", ids("accounts", rows, "account_id"), "ACC-007")
    rows = pick("payments", used["payments"])
    defects.record("payment", ids("payments", rows, "payment_id"), "PAY-001")
    set_values("payments", "account_id", rows, "A-UNKNOWN")
    # exact and conflicting duplicates
    rows = pick("payments", used["payments"])
    append_rows("payments", rows, {})
    defects.record("payment", ids("payments", rows, "payment_id"), "RAW-002")
    rows = pick("payments", used["payments"])
    append_rows("payments", rows, {"amount": "1.23"})
    defects.record("payment", ids("payments", rows, "payment_id"), "PAY-005")
    rows = pick("borrowers", used["borrowers"])
    append_rows("borrowers", rows, {"mobile_phone": "13000000000"})
    defects.record("borrower", ids("borrowers", rows, "borrower_id"), "PER-005")
    rows = pick("accounts", used["accounts"])
    append_rows("accounts", rows, {"guarantee_mode": "1"})
    defects.record("account", ids("accounts", rows, "account_id"), "ACC-009")
    rows = pick("installments", used["installments"])
    append_rows("installments", rows, {"interest_due": "0.01"})
    defects.record(
        "installment",
        [
            f"{x}#{y}"
            for x, y in zip(
                ids("installments", rows, "account_id"), ids("installments", rows, "installment_no"), strict=False
            )
        ],
        "INS-001",
    )
    # ambiguous consent and consent of unknown borrowers
    rows = pick("consent_events", used["consent_events"])
    rows = np.array(
        [r for r in rows if tables["consent_events"]["purpose"][int(r)].as_py() == "credit_reporting"], dtype=np.int64
    )
    set_values("consent_events", "action", rows, "Grant")
    defects.record("borrower", ids("consent_events", rows, "borrower_id"), "CON-003")
    rows = pick("consent_events", used["consent_events"])
    set_values("consent_events", "borrower_id", rows, "B-UNKNOWN")
    defects.record("consent_event", ids("consent_events", rows, "event_id"), "CON-001")
