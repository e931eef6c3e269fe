"""Benchmarks: the full build, an incremental month and one month against
the floor (a single hand-written DuckDB query), at several scales.

    .venv/bin/python bench/run.py --scales 100000,1000000 --months 24

Prints a table and writes BENCHMARKS.md (machine, versions, date). Wall time
is measured around each command; peak RSS is the largest sum of VmRSS over
the whole process tree, sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from creditmart.project import SCHEDULED_BUILD

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
END_MONTH = "2026-10"
FLOOR_SQL = ROOT / "bench" / "floor.sql"
PUBLIC_MODELS = (
    "fct_account_months",
    "submission_account_records",
    "submission_person_records",
    "fct_rule_violations",
    "rpt_submission_reconciliation",
    "rpt_consent_coverage",
)


def tree_rss_bytes(root: int) -> int:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str], env: dict | None = None, ok_codes: tuple = (0,)) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak RSS bytes of its process tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - started
    if process.returncode not in ok_codes:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{output[-3000:]}")
    return elapsed, peak


def month_add(month: str, k: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + mon - 1 + k
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def dbt_build(db: Path, raw: Path, reporting_month: str) -> tuple[float, int]:
    """`dbt build` of `reporting_month` from the snapshot `raw`, set up as README's scheduled run.

    The month and the raw directory are environment variables, and the raw
    directory is a fixed landing path (a link to this snapshot), as a lender's
    scheduled job has it: a new month then parses nothing again (--vars that
    change, or a new directory, make dbt parse the whole project: BENCHMARKS.md, item 47).
    """
    landing = db.with_name(db.stem + "_landing")
    landing.unlink(missing_ok=True)
    landing.symlink_to(raw.resolve(), target_is_directory=True)
    return measure(
        [str(BIN / "dbt"), *SCHEDULED_BUILD],
        {
            "CREDITMART_DUCKDB_PATH": str(db),
            "CREDITMART_RAW_DIR": str(landing),
            "CREDITMART_REPORTING_MONTH": reporting_month,
        },
    )


def snapshot_before(raw: Path, month: str, out: Path) -> Path:
    """The snapshot the lender delivered a month earlier: what was known at the cutoff of `month`.

    Facts after the cutoff (payments, consent events, notices) and accounts and
    installments that did not exist yet are left out; an account closed later
    was still open. Borrower rows are kept as they are (their history is not in
    the files). The previous build of the "+1 month" measurement reads it, so
    the next build sees a real new snapshot.
    """
    if (out / "done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    cutoff = f"{month_add(month, 1)}-01 00:00:00+08:00"
    month_end = f"(date '{month_add(month, 1)}-01' - interval 1 day)"
    kept = {
        "borrowers": "true",
        "accounts": f"try_cast(open_date as date) <= {month_end}",
        # an installment exists from coalesce(scheduled_on, the account's open_date) (SPEC §1)
        "installments": f"coalesce(try_cast(scheduled_on as date), (select min(try_cast(open_date as date)) from "
        f"read_parquet('{raw}/accounts.parquet') as a where a.account_id = i.account_id)) <= {month_end}",
        "payments": f"try_cast(paid_at as timestamptz) < timestamptz '{cutoff}'",
        "consent_events": f"try_cast(event_at as timestamptz) < timestamptz '{cutoff}'",
        "negative_notices": f"try_cast(notified_at as timestamptz) < timestamptz '{cutoff}'",
    }
    con = duckdb.connect()
    try:
        for entity, condition in kept.items():
            columns = "*"
            if entity == "accounts":
                columns = (
                    f"* replace (case when try_cast(closed_date as date) > {month_end} then null "
                    "else closed_date end as closed_date)"
                )
            con.execute(
                f"copy (select {columns} from read_parquet('{raw}/{entity}.parquet') as i where {condition}) "
                f"to '{out}/{entity}.parquet' (format parquet)"
            )
    finally:
        con.close()
    (out / "done").write_text("")
    return out


# the +1 month and the floor are measured three times each, alternating,
# each month build on a copy of the same mart: identical builds took 64-92 s
# at 1M on session 11's machine
MONTH_RUNS = 3


def month_builds(db: Path, raw: Path, month: str, after_each=None) -> list[tuple[float, int]]:
    """The +1 month build of `month`, MONTH_RUNS times on the mart `db` as it is now (a copy restores it).

    `after_each` (untimed with the build) runs after every build: the floor's
    runs alternate with the month's, so both meet the same phases of the
    machine (BENCHMARKS.md, item 61).

    dbt's saved parse is restored too, as the month before left it, so every
    run parses as a scheduled month does.
    """
    saved_parse = ROOT / "target" / "partial_parse.msgpack"
    files = [path for path in (db, db.with_name(db.name + ".wal"), saved_parse) if path.exists()]
    kept = {path: path.with_name(path.name + ".before") for path in files}
    for path, copy in kept.items():
        shutil.copyfile(path, copy)
    runs = []
    try:
        for run in range(MONTH_RUNS):
            if run:
                for path in (db.with_name(db.name + ".wal"), saved_parse):
                    path.unlink(missing_ok=True)
                for path, copy in kept.items():
                    shutil.copyfile(copy, path)
            # written out before the clock starts, not during the build
            os.sync()
            runs.append(dbt_build(db, raw, month))
            if after_each is not None:
                after_each()
    finally:
        for copy in kept.values():
            copy.unlink(missing_ok=True)
    return runs


def floor(raw: Path, month: str) -> tuple[float, int]:
    sql = floor_sql(raw, month)
    script = (
        # the pipeline's DuckDB settings that can speed one query up (profiles.yml)
        "import duckdb, sys; con = duckdb.connect(); con.execute('set threads = 2'); "
        f"con.execute(\"set block_allocator_memory = '{os.environ.get('CREDITMART_MEMORY_LIMIT', '5GB')}'\"); "
        "con.execute('create table floor_records as ' + sys.stdin.read()); "
        "print(con.execute('select count(*) from floor_records').fetchall()[0][0])"
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, error = process.communicate(sql)
    done.set()
    sampler.join()
    if process.returncode != 0 or not output.strip().splitlines()[-1:] or not output.strip().splitlines()[-1].isdigit():
        sys.exit(f"floor query failed (exit {process.returncode}): {(error or output)[-2000:]}")
    return time.perf_counter() - started, peak


def sql_checks(db: Path) -> str:
    """One aggregate query per suite table computing the same checks as the GX suites (failing-row counts)."""
    from creditmart.quality.suites import build_suites
    from creditmart.quality.validate import select_sql

    con = duckdb.connect(str(db), read_only=True)
    specs = build_suites(con)
    projections = {}
    for spec in specs:
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema || '.' || table_name = ?",
                [spec.relation],
            ).fetchall()
        )
        projections[spec.name] = select_sql(spec, types)  # the same columns and types GX sees
    con.close()
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    queries = []
    for spec in specs:
        checks = []
        for e in spec.expectations:
            k, cond = e.configuration.kwargs, None
            column = k.get("column")
            where = ""
            condition = k.get("row_condition")
            if condition:
                text = condition.get("pass_through_filter") if isinstance(condition, dict) else condition
                where = " and " + text.replace("!=", "<>").replace("==", "=").replace('"', "'")
            kind = e.expectation_type
            if kind == "expect_column_values_to_be_null":
                cond = f"{column} is not null"
            elif kind == "expect_column_values_to_not_be_null":
                cond = f"{column} is null"
            elif kind == "expect_column_values_to_be_in_set":
                values = ", ".join("'" + str(v) + "'" for v in k["value_set"])
                cond = f"{column} not in ({values})"
            elif kind == "expect_column_values_to_match_regex":
                cond = f"not regexp_matches({column}, '{k['regex']}')"
            elif kind == "expect_column_values_to_be_between":
                parts = []
                if k.get("min_value") is not None:
                    parts.append(
                        f"{column} < {k['min_value'] if not isinstance(k['min_value'], str) else repr(k['min_value'])}"
                    )
                if k.get("max_value") is not None:
                    parts.append(
                        f"{column} > {k['max_value'] if not isinstance(k['max_value'], str) else repr(k['max_value'])}"
                    )
                cond = " or ".join(parts)
            elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
                cond = f"{k['column_A']} < {k['column_B']}"
            elif kind == "expect_column_values_to_be_valid_citizen_ids":
                total = " + ".join(
                    f"cast(substr({column}, {i + 1}, 1) as integer) * {w}" for i, w in enumerate(weights)
                )
                cond = (
                    f"not regexp_full_match({column}, '[0-9]{{17}}[0-9X]') or "
                    f"substr('10X98765432', cast(({total}) % 11 as integer) + 1, 1) <> substr({column}, 18, 1)"
                )
            if cond:
                checks.append(f"count(*) filter (where ({cond}){where})")
            elif kind == "expect_column_values_to_be_unique":
                checks.append(f"count({column}) - count(distinct {column})")
            elif kind == "expect_compound_columns_to_be_unique":
                cols = ", ".join(k["column_list"])
                checks.append(f"count(*) - count(distinct ({cols}))")
        queries.append(f"select {', '.join(checks)} from ({projections[spec.name]}) as batch")
    return ";\n".join(queries)


def validate_vs_sql(db: Path) -> tuple[float, float]:
    validate, _ = measure([str(BIN / "creditmart"), "validate", "--db", str(db)], ok_codes=(0, 1))
    sql = sql_checks(db)
    started = time.perf_counter()
    con = duckdb.connect(str(db), read_only=True)
    con.execute("set threads = 2")
    for query in sql.split(";\n"):
        con.execute(query).fetchall()
    con.close()
    return validate, time.perf_counter() - started


def floor_sql(raw: Path, month: str) -> str:
    month_start = dt.date.fromisoformat(month + "-01")
    next_start = dt.date.fromisoformat(month_add(month, 1) + "-01")
    return FLOOR_SQL.read_text().format(
        raw=raw,
        month_start=month_start,
        month_end=next_start - dt.timedelta(days=1),
        cutoff=f"{next_start} 00:00:00",
        previous_cutoff=f"{month_start} 00:00:00",
    )


# the columns of the public submission models the floor computes (the others
# are constants or dbt vars)
FLOOR_COLUMNS = {
    "210": ("submission_account_records", ("report_month", "inf_rec_type", "mngmt_org_code", "busi_lines")),
    "110": ("submission_person_records", ("report_month", "inf_rec_type", "inf_surc_code", "customer_type")),
}


def floor_differences(raw: Path, db: Path, month: str) -> dict[str, int]:
    """Records of the floor (untimed run) and of the mart's public submission models for `month` that differ.

    Per record type, the number of records in one and not the other, every
    column compared as text: 0 and 0 means the floor computes exactly what the
    pipeline furnishes. Only counts leave DuckDB (the records carry PII).
    """
    con = duckdb.connect()
    try:
        con.execute("set threads = 2; set memory_limit = '6GB'; set enable_progress_bar = false")
        con.execute(f"attach '{db}' as mart (read_only)")
        con.execute("create temp table floor_records as " + floor_sql(raw, month))
        differences = {}
        for record_type, (model, left_out) in FLOOR_COLUMNS.items():
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'mart' "
                    "and table_schema = 'main' and table_name = ? order by ordinal_position",
                    [model],
                ).fetchall()
                if row[0] not in left_out
            ]
            as_text = ", ".join(f"cast({column} as varchar)" for column in columns)
            floor_rows = f"select {as_text} from floor_records where record_type = '{record_type}'"
            mart_rows = f"select {as_text} from mart.main.{model} where report_month = '{month}'"
            differences[record_type] = con.execute(
                f"select (select count(*) from ({floor_rows} except all {mart_rows})) "
                f"+ (select count(*) from ({mart_rows} except all {floor_rows}))"
            ).fetchone()[0]
        return differences
    finally:
        con.close()


def raw_rows(raw: Path) -> int:
    con = duckdb.connect()
    return sum(con.execute(f"select count(*) from read_parquet('{p}')").fetchall()[0][0] for p in raw.glob("*.parquet"))


def run_scale(borrowers: int, months: int, work: Path, seed: int) -> dict:
    raw = work / f"raw_{borrowers}_{months}_{seed}"
    if not (raw / "defects.csv").exists():
        generated = measure(
            [
                str(BIN / "creditmart"),
                "generate",
                "--borrowers",
                str(borrowers),
                "--months",
                str(months),
                "--seed",
                str(seed),
                "--format",
                "parquet",
                "--out",
                str(raw),
            ]
        )
    else:
        generated = (float("nan"), 0)
    rows = raw_rows(raw)
    first_month = month_add(END_MONTH, -(months - 1))
    full_db, inc_db = (work / f"{name}_{borrowers}.duckdb" for name in ("full", "incremental"))
    for db in (full_db, inc_db):
        db.unlink(missing_ok=True)
    full = dbt_build(full_db, raw, END_MONTH)
    previous = snapshot_before(raw, month_add(END_MONTH, -1), work / f"{raw.name}_before_{month_add(END_MONTH, -1)}")
    dbt_build(inc_db, previous, month_add(END_MONTH, -1))
    # the floor is the fastest the query can be: the best of three runs (one
    # run varied from 22 to 30 s at 1M on this machine), each right after a
    # month build
    floor_runs = []

    def floor_run() -> None:
        os.sync()  # the build's writes out before the clock starts, as for a build
        floor_runs.append(floor(raw, END_MONTH))

    month_runs = month_builds(inc_db, raw, END_MONTH, after_each=floor_run)
    incremental = (min(run[0] for run in month_runs), max(run[1] for run in month_runs))
    floor_time = min(floor_runs)
    floor_differing = floor_differences(raw, full_db, END_MONTH)
    validate_s, checks_s = validate_vs_sql(full_db)
    con = duckdb.connect(str(full_db), read_only=True)
    # the row-for-row comparison spills beyond this (18 GB RSS at 1M without it)
    con.execute("set memory_limit = '6GB'")
    account_months = con.execute("select count(*) from fct_account_months").fetchall()[0][0]
    con.execute(f"attach '{inc_db}' as incremental (read_only)")
    # the incremental mart must equal the full build of the same snapshot
    differing = [
        model
        for model in PUBLIC_MODELS
        if con.execute(
            f"select (select count(*) from (select * from main.{model} "
            f"except all select * from incremental.main.{model})) + (select count(*) from "
            f"(select * from incremental.main.{model} except all select * from main.{model}))"
        ).fetchone()[0]
    ]
    con.close()
    return {
        "borrowers": borrowers,
        "months": months,
        "first_month": first_month,
        "raw_rows": rows,
        "account_months": account_months,
        "generate_s": generated[0],
        "full_s": full[0],
        "full_peak_gib": full[1] / 2**30,
        "rows_per_s": rows / full[0],
        "incremental_s": incremental[0],
        "incremental_runs_s": [run[0] for run in month_runs],
        "incremental_ratio": incremental[0] / full[0],
        "incremental_peak_gib": incremental[1] / 2**30,
        "incremental_equals_full": not differing,
        "differing_models": differing,
        "floor_s": floor_time[0],
        "floor_peak_gib": floor_time[1] / 2**30,
        "month_vs_floor": incremental[0] / floor_time[0],
        "floor_differing_records": floor_differing,
        "floor_equals_submission": not any(floor_differing.values()),
        "validate_s": validate_s,
        "checks_sql_s": checks_s,
        "validate_vs_sql": validate_s / checks_s,
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    versions = subprocess.run([str(BIN / "dbt"), "--version"], capture_output=True, text=True).stdout
    dbt_core = next((line.split(":")[-1].strip() for line in versions.splitlines() if "installed" in line), "?")
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}, "
        f"dbt-core {dbt_core}, duckdb {duckdb.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="100000,1000000", help="comma-separated borrower counts")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work-dir", default=str(ROOT / "bench" / ".work"))
    parser.add_argument("--write", default=str(ROOT / "BENCHMARKS.md"), help="results file to write ('' to only print)")
    args = parser.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales.split(","):
        results.append(run_scale(int(scale), args.months, work, args.seed))
        # keep what was measured even if a later scale fails
        (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    header = (
        "| borrowers | months | raw rows | account-months | full build s | peak GiB | rows/s "
        "| +1 month s | incremental / full | = full build | floor s | floor = submission | +1 month / floor "
        "| validate s | same checks in SQL s | validate / SQL |"
    )
    lines = [header, "|" + "---|" * 16]
    for r in results:
        lines.append(
            f"| {r['borrowers']:,} | {r['months']} | {r['raw_rows']:,} | {r['account_months']:,} "
            f"| {r['full_s']:.1f} | {r['full_peak_gib']:.2f} | {r['rows_per_s']:,.0f} "
            f"| {r['incremental_s']:.1f} | {r['incremental_ratio']:.0%} "
            f"| {'yes' if r['incremental_equals_full'] else 'NO: ' + ', '.join(r['differing_models'])} "
            f"| {r['floor_s']:.1f} "
            f"| {'yes' if r['floor_equals_submission'] else 'NO: ' + str(r['floor_differing_records'])} "
            f"| {r['month_vs_floor']:.2f}x | {r['validate_s']:.1f} "
            f"| {r['checks_sql_s']:.1f} | {r['validate_vs_sql']:.1f}x |"
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        path = Path(args.write)
        previous = path.read_text() if path.exists() else ""
        notes = previous.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in previous else "\n"
        path.write_text(
            "# Benchmarks\n\n"
            f"Measured {dt.date.today().isoformat()} by `bench/run.py --scales {args.scales} --months {args.months}` "
            f"on {machine()}.\n\n{table}\n\n"
            "- full build: `dbt build` as a scheduled month runs it (every model, seed and data test; the unit\n"
            '  tests on fixed inputs are left out, README "The monthly furnishing workflow") of all months from\n'
            "  generated Parquet;\n"
            "- +1 month: the same `dbt build` of the next month's snapshot on a mart built to the month before\n"
            "  from the previous snapshot (the same files cut at that month's cutoff), the best of three runs,\n"
            "  each on a copy of that mart and dbt's saved parse of it (month and raw directory as environment\n"
            "  variables, one landing path: README's scheduled run, item 47; peak: the largest of the three);\n"
            "- = full build: the six public models of the +1 month build equal those of the full build, row for row;\n"
            "- floor: `bench/floor.sql`, one DuckDB query computing the month's 210 and 110 records (every\n"
            "  field of `submission_account_records` and `submission_person_records` but the constants) from\n"
            "  the same files, the best of three runs, each right after one of the month's builds (item 61);\n"
            "  +1 month / floor is what the pipeline spends on a month against it; floor = submission: its\n"
            "  records equal the full build's for the month, field for field;\n"
            "- validate: `creditmart validate` (all suites, all months, Data Docs) against one aggregate query\n"
            "  per suite table counting the rows failing the same checks.\n"
            "\n<!-- notes -->" + notes
        )


if __name__ == "__main__":
    main()
