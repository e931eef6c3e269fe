"""Where things are: the DuckDB file, the dbt project and its vars."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
MONTH_PATTERN = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class CreditmartError(Exception):
    """A problem the user can fix, reported as one line without a traceback."""


def duckdb_path(explicit: str | None = None) -> Path:
    """The mart's DuckDB file: --db, else CREDITMART_DUCKDB_PATH, else creditmart.duckdb."""
    return Path(explicit or os.environ.get("CREDITMART_DUCKDB_PATH", "creditmart.duckdb"))


def dbt_vars() -> dict:
    """The vars block of dbt_project.yml (the documented defaults)."""
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("vars", {})


def check_month(month: str) -> str:
    if not MONTH_PATTERN.match(month or ""):
        raise CreditmartError(f"month '{month}' is not a month in YYYY-MM form (e.g. 2026-10)")
    return month


def project_revision() -> str:
    """git revision of the project, or 'unknown' outside a git checkout."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() or "unknown"
