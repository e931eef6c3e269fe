"""The benchmark script keeps working: a tiny run of every measurement."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import PROJECT_DIR, load_bench


def bench_script(script: str, *args: str, timeout: int) -> subprocess.CompletedProcess:
    """One of bench/'s scripts, run from the project directory."""
    return subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def test_benchmark_runs_at_a_tiny_scale(tmp_path):
    result = bench_script(
        "run.py", "--scales", "2000", "--months", "6", "--work-dir", str(tmp_path), "--write", "", timeout=1200
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    header, _, row = result.stdout.strip().splitlines()[-3:]
    assert "full build s" in header and "month / floor" in header and "validate / SQL" in header
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "2,000" and cells[1] == "6"
    assert all(c for c in cells), cells
    # the +1 month is the best of as many runs as the floor
    (result_row,) = json.loads((tmp_path / "results.json").read_text())
    assert len(result_row["incremental_runs_s"]) == 3
    assert result_row["incremental_s"] == min(result_row["incremental_runs_s"])
    # the floor computes the month's submission records, every one equal to the pipeline's
    assert result_row["floor_differing_records"] == {"210": 0, "110": 0}
    assert result_row["floor_equals_submission"] is True
    assert_floor_check_catches_a_wrong_record(tmp_path)
    # the working-set probe (BENCHMARKS.md item 54) on the full build: it
    # reproduces the pipeline's month figures for every open account
    probe = bench_script(
        "working_set_probe.py", "--db", str(tmp_path / "full_2000.duckdb"), "--month", "2026-10", timeout=600
    )
    assert probe.returncode == 0, probe.stdout[-2000:] + probe.stderr[-2000:]
    accounts, differing = probe.stdout.strip().splitlines()[-1].split(": ")[1:]
    assert int(accounts.split(";")[0].replace(",", "")) > 0
    assert differing == "0", probe.stdout


def assert_floor_check_catches_a_wrong_record(work):
    """The floor's equality check fails for a floor that gets one field or one record type wrong."""
    bench = load_bench()
    raw = next(work.glob("raw_2000_6_*"))
    text = bench.FLOOR_SQL.read_text()
    wrong = {
        # days past due counted from the month's start instead of its end
        "210": text.replace("max(date '{month_end}' - due_date)", "max(date '{month_start}' - due_date)"),
        # every person record a new customer
        "110": text.replace("then '10' else '20' end", "then '10' else '10' end"),
    }
    for record_type, mutated in wrong.items():
        assert mutated != text, record_type
        bench.FLOOR_SQL = work / f"floor_{record_type}.sql"
        bench.FLOOR_SQL.write_text(mutated)
        differing = bench.floor_differences(raw, work / "full_2000.duckdb", bench.END_MONTH)
        assert differing[record_type] > 0, (record_type, differing)
