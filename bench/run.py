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
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
END_MONTH = "2026-10"


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


def measure(command: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak RSS bytes of its process tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    if process.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{output[-3000:]}")
    return elapsed, peak


def month_add(month: str, k: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + mon - 1 + k
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def dbt_build(db: Path, raw: Path, reporting_month: str, first_month: str | None = None) -> tuple[float, int]:
    dbt_vars = {"raw_dir": str(raw), "reporting_month": reporting_month}
    if first_month:
        dbt_vars["first_reporting_month"] = first_month
    return measure([str(BIN / "dbt"), "build", "--vars", json.dumps(dbt_vars)],
                   {"CREDITMART_DUCKDB_PATH": str(db)})


def floor(raw: Path, month: str) -> tuple[float, int]:
    month_start = dt.date.fromisoformat(month + "-01")
    next_start = dt.date.fromisoformat(month_add(month, 1) + "-01")
    sql = (ROOT / "bench" / "floor.sql").read_text().format(
        raw=raw, month_start=month_start, month_end=next_start - dt.timedelta(days=1),
        cutoff=f"{next_start} 00:00:00", previous_cutoff=f"{month_start} 00:00:00")
    script = ("import duckdb, sys; con = duckdb.connect(); con.execute('set threads = 2'); "
              "con.execute('create table floor_records as ' + sys.stdin.read()); "
              "print(con.execute('select count(*) from floor_records').fetchall()[0][0])")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate(sql)
    done.set()
    sampler.join()
    if process.returncode != 0 or not output.strip().isdigit():
        sys.exit("floor query failed")
    return time.perf_counter() - started, peak


def raw_rows(raw: Path) -> int:
    con = duckdb.connect()
    return sum(con.execute(f"select count(*) from read_parquet('{p}')").fetchall()[0][0]
               for p in raw.glob("*.parquet"))


def run_scale(borrowers: int, months: int, work: Path, seed: int) -> dict:
    raw = work / f"raw_{borrowers}_{months}_{seed}"
    if not (raw / "defects.csv").exists():
        generated = measure([str(BIN / "creditmart"), "generate", "--borrowers", str(borrowers), "--months",
                             str(months), "--seed", str(seed), "--format", "parquet", "--out", str(raw)])
    else:
        generated = (float("nan"), 0)
    rows = raw_rows(raw)
    first_month = month_add(END_MONTH, -(months - 1))
    full_db, inc_db, one_db = (work / f"{name}_{borrowers}.duckdb" for name in ("full", "incremental", "month"))
    for db in (full_db, inc_db, one_db):
        db.unlink(missing_ok=True)
    full = dbt_build(full_db, raw, END_MONTH)
    dbt_build(inc_db, raw, month_add(END_MONTH, -1))
    incremental = dbt_build(inc_db, raw, END_MONTH)
    one_month = dbt_build(one_db, raw, END_MONTH, END_MONTH)
    floor_time = floor(raw, END_MONTH)
    con = duckdb.connect(str(full_db), read_only=True)
    account_months = con.execute("select count(*) from fct_account_months").fetchall()[0][0]
    con.close()
    return {"borrowers": borrowers, "months": months, "first_month": first_month, "raw_rows": rows,
            "account_months": account_months, "generate_s": generated[0],
            "full_s": full[0], "full_peak_gib": full[1] / 2**30, "rows_per_s": rows / full[0],
            "incremental_s": incremental[0], "incremental_ratio": incremental[0] / full[0],
            "month_s": one_month[0], "floor_s": floor_time[0], "floor_peak_gib": floor_time[1] / 2**30,
            "month_vs_floor": one_month[0] / floor_time[0]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    versions = subprocess.run([str(BIN / "dbt"), "--version"], capture_output=True, text=True).stdout
    dbt_core = next((line.split(":")[-1].strip() for line in versions.splitlines() if "installed" in line), "?")
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}, "
            f"dbt-core {dbt_core}, duckdb {duckdb.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="100000,1000000", help="comma-separated borrower counts")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work-dir", default=str(ROOT / "bench" / ".work"))
    parser.add_argument("--write", default=str(ROOT / "BENCHMARKS.md"),
                        help="results file to write ('' to only print)")
    args = parser.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    results = [run_scale(int(s), args.months, work, args.seed) for s in args.scales.split(",")]
    header = ("| borrowers | months | raw rows | account-months | full build s | peak GiB | rows/s "
              "| +1 month s | incremental / full | one month s | floor s | month / floor |")
    lines = [header, "|" + "---|" * 12]
    for r in results:
        lines.append(f"| {r['borrowers']:,} | {r['months']} | {r['raw_rows']:,} | {r['account_months']:,} "
                     f"| {r['full_s']:.1f} | {r['full_peak_gib']:.2f} | {r['rows_per_s']:,.0f} "
                     f"| {r['incremental_s']:.1f} | {r['incremental_ratio']:.0%} | {r['month_s']:.1f} "
                     f"| {r['floor_s']:.1f} | {r['month_vs_floor']:.1f}x |")
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
            "- full build: `dbt build` (every model, seed and test) of all months from generated Parquet;\n"
            "- +1 month: `dbt build` of the next month on a mart already built to the month before;\n"
            "- one month: `dbt build` with first_reporting_month = reporting_month;\n"
            "- floor: `bench/floor.sql`, one DuckDB query computing the month's records from the same files.\n"
            "\n<!-- notes -->" + notes)


if __name__ == "__main__":
    main()
