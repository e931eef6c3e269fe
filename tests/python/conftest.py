"""Shared helpers: run real dbt builds against real DuckDB files.

Each scenario writes its own raw directory (CSV or Parquet, per entity),
builds the whole project from it into its own DuckDB file and reads the
public models back.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditmart.project import LANDING_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")
CREDITMART = str(Path(sys.executable).parent / "creditmart")
PUBLIC_MODELS = (
    "fct_account_months",
    "submission_account_records",
    "submission_person_records",
    "fct_rule_violations",
    "rpt_submission_reconciliation",
    "rpt_consent_coverage",
)

ENTITY_COLUMNS = LANDING_COLUMNS  # the landing contract of SPEC §1


@dataclass
class Build:
    """A finished dbt invocation and the DuckDB file it wrote."""

    returncode: int
    output: str
    db_path: Path
    target_path: Path

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.db_path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def run_results(self) -> dict:
        return json.loads((self.target_path / "run_results.json").read_text())


# read by the project when the vars are not given (macros/reporting_months.sql)
SETTING_ENV = ("CREDITMART_REPORTING_MONTH", "CREDITMART_RAW_DIR")


def load_bench():
    """bench/run.py as a module (the benchmark's functions, for tests that reuse them)."""
    spec = importlib.util.spec_from_file_location("bench_run", PROJECT_DIR / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_dbt(args: list[str], work_dir: Path, dbt_vars: dict | None = None, env: dict | None = None) -> Build:
    """Run one dbt command on the project, into work_dir/creditmart.duckdb.

    The month and raw directory come from `dbt_vars` or `env` only, never from
    the caller's shell.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "creditmart.duckdb"
    target_path = work_dir / "target"
    command = [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    inherited = {name: value for name, value in os.environ.items() if name not in SETTING_ENV}
    env = {**inherited, "CREDITMART_DUCKDB_PATH": str(db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"} | (env or {})
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    return Build(completed.returncode, completed.stdout + completed.stderr, db_path, target_path)


def creditmart(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the creditmart command line from the project directory."""
    return subprocess.run(
        [CREDITMART, *args], cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=timeout
    )


def write_raw_dir(directory: Path, entities: dict[str, list[dict]], formats: dict[str, str] | None = None) -> Path:
    """Write every entity (all six, missing ones empty) as CSV or Parquet text columns."""
    directory.mkdir(parents=True, exist_ok=True)
    formats = formats or {}
    for entity, columns in ENTITY_COLUMNS.items():
        rows = entities.get(entity, [])
        if formats.get(entity, "csv") == "parquet":
            table = pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in columns})
            pq.write_table(table, directory / f"{entity}.parquet")
        else:
            with open(directory / f"{entity}.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({c: row.get(c, "") for c in columns})
    return directory


def build_raw(
    tmp_path: Path,
    entities: dict[str, list[dict]],
    reporting_month: str,
    formats: dict[str, str] | None = None,
    **extra_vars,
) -> Build:
    raw_dir = write_raw_dir(tmp_path / "raw", entities, formats)
    build = run_dbt(
        ["build"], tmp_path / "work", {"raw_dir": str(raw_dir), "reporting_month": reporting_month, **extra_vars}
    )
    assert build.returncode == 0, build.output[-4000:]
    return build


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Build:
    """The bundled sample, built once per test session with stored test failures."""
    build = run_dbt(["build", "--store-failures"], tmp_path_factory.mktemp("sample"))
    assert build.returncode == 0, build.output[-4000:]
    return build
