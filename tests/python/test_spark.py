"""The same project on Apache Spark: every public model equal to DuckDB's,
row for row (exact decimals, same strings), on the sample and on a raw
directory with bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import DBT, PROJECT_DIR, PUBLIC_MODELS, run_dbt, write_raw_dir
from test_scenarios import borrower, d1_account, event, installment, payment

pytestmark = pytest.mark.spark


def spark_build(work: Path, dbt_vars: dict | None = None) -> Path:
    """dbt build --target spark into work/spark; export the public models to work/spark_parquet."""
    spark_dir = work / "spark"
    env = {**os.environ, "CREDITMART_SPARK_DIR": str(spark_dir), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [
        DBT,
        "build",
        "--target",
        "spark",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work / "spark_target"),
        "--log-path",
        str(work / "spark_logs"),
    ]
    if dbt_vars:
        import json

        command += ["--vars", json.dumps(dbt_vars)]
    built = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout[-4000:]
    out = work / "spark_parquet"
    exported = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("spark_export.py")), str(spark_dir), str(out), *PUBLIC_MODELS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr[-3000:]
    return out


def assert_equal_row_for_row(duckdb_path: Path, spark_parquet: Path) -> dict[str, int]:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    counts = {}
    for model in PUBLIC_MODELS:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'main' and table_name = ? "
                "order by ordinal_position",
                [model],
            ).fetchall()
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        spark = f"read_parquet('{spark_parquet / model}/*.parquet')"
        duck_rows = con.execute(f"select {select} from main.{model} order by all").fetchall()
        spark_rows = con.execute(f"select {select} from {spark} order by all").fetchall()
        assert len(duck_rows) == len(spark_rows), model
        assert duck_rows == spark_rows, (
            model,
            [(d, s) for d, s in zip(duck_rows, spark_rows, strict=False) if d != s][:3],
        )
        counts[model] = len(duck_rows)
    con.close()
    return counts


def test_sample_equal_on_spark_and_duckdb(sample_build, tmp_path):
    counts = assert_equal_row_for_row(sample_build.db_path, spark_build(tmp_path))
    assert counts["fct_account_months"] == 410 and counts["submission_account_records"] == 128


def test_raw_directory_with_bad_input_equal_on_spark_and_duckdb(tmp_path):
    entities = {
        "borrowers": [
            borrower("B1", 31),
            borrower("B2", 32, birth_date="1990-13-01"),
            borrower("B3", 33),
            borrower("B3", 33),
            borrower("B4", 34),
            borrower("B4", 34, mobile_phone="13900009999"),
            borrower("B5", 35, id_type="ZZ", full_name=' "引号", 名 '),
        ],
        "accounts": [
            d1_account("A1", "B1", "2026-01-05", "1000.00"),
            d1_account("A2", "B2", "2026-01-05", "1000.00"),
            d1_account("A3", "B3", "2026-01-05", "abc"),
            d1_account("A4", "B4", "2026-01-05", "1000.00"),
            d1_account("A5", "B5", "2026-01-05", "1000.00", currency="ABC"),
            d1_account("A6", "B404", "2026-01-05", "1000.00"),
            d1_account("A7", "B1", "2026/01/05", "1000.00"),
        ],
        "installments": [
            i
            for a in ("A1", "A2", "A3", "A4", "A5", "A6")
            for i in (
                installment(a, 1, "2026-02-05", "500.00", "10.00"),
                installment(a, 2, "2026-03-05", "500.00", "10.00"),
            )
        ]
        + [installment("A1", 2, "2026-03-05", "500.00", "12.00"), installment("AZ", 1, "2026-03-05", "1.00", "0.00")],
        "payments": [
            payment("P1", "A1", 1, "2026-02-05T02:00:00Z", "510.00"),
            payment("P2", "A1", 2, "2026-03-01T02:00:00Z", "12,00"),
            payment("P3", "A4", 1, "2026-02-28T16:30:00Z", "510.00"),
            payment("P3", "A4", 1, "2026-02-28T16:30:00Z", "510.00"),
            payment("P4", "A4", 2, "2026-03-05 10:00:00.5+08:00", "100.00"),
            payment("P4", "A4", 2, "2026-03-05T02:00:00Z", "200.00"),
            payment("P5", "AX", 1, "2026-03-05T02:00:00Z", "1.00"),
        ],
        "consent_events": [
            *[event(f"E{n}", f"B{n}", "grant", "2025-12-01T00:00:00Z") for n in range(1, 6)],
            event("E9", "B4", "Withdraw", "2026-02-10T02:00:00Z"),
            event("E10", "B999", "grant", "2025-12-01T00:00:00Z"),
            event("E11", "B1", "grant", "2026-01-10 10:00:00", purpose="marketing"),
        ],
        "negative_notices": [
            {"notice_id": "N1", "account_id": "A4", "notified_at": "2026-03-01T02:00:00Z", "channel": "sms"}
        ],
    }
    raw = write_raw_dir(tmp_path / "raw", entities)
    dbt_vars = {"raw_dir": str(raw), "reporting_month": "2026-03"}
    duck = run_dbt(["build"], tmp_path / "duckdb", dbt_vars)
    assert duck.returncode == 0, duck.output[-3000:]
    counts = assert_equal_row_for_row(duck.db_path, spark_build(tmp_path / "spark_work", dbt_vars))
    assert counts["fct_account_months"] == 18 and counts["fct_rule_violations"] > 10
