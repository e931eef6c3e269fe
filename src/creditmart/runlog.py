"""The run log: one row per `creditmart run`, success or failure.

It lives beside the furnished-state ledger (schema `ledger_schema`, table
`run_log`) in the mart's DuckDB file, so it is queryable with the mart and no
dbt run, --full-refresh included, touches it. A run inserts its row as
'running' before it builds and replaces it with the outcome when it ends. A
run that was killed leaves 'running' behind: the next run marks such rows
'interrupted'. A run that cannot open the file (another process holds the lock)
spools its row to `<db>.runs-pending/` and the next run that opens the file
moves it into the table. No PII: counts, rule ids and one-line messages only.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from pathlib import Path

from creditmart.project import DatabaseLocked, connect, dbt_vars

COLUMNS = {
    "run_id": "varchar primary key",
    "report_month": "varchar",
    "started_at": "timestamp",  # UTC
    "ended_at": "timestamp",  # UTC
    "status": "varchar",  # running | success | gate_failed | error | interrupted
    "exit_code": "integer",
    "step": "varchar",  # the step the run ended in: start | build | validate | report | export | done
    "message": "varchar",
    "in_scope": "bigint",
    "submitted": "bigint",
    "excluded": "bigint",
    "rejected": "bigint",
    "error_violations": "bigint",
    "warn_violations": "bigint",
    "violations_by_rule": "varchar",  # JSON {rule_id: count} for the month
    "dbt_failed_tests": "integer",
    "gx_error_failures": "integer",
    "gx_warn_failures": "integer",
    "files_written": "integer",
    "export_dir": "varchar",
    "raw_dir": "varchar",
    "project_revision": "varchar",
    "dbt_version": "varchar",
    "duckdb_version": "varchar",
    "gx_version": "varchar",
    "host": "varchar",
    "pid": "integer",
}
TIMESTAMPS = ("started_at", "ended_at")


def table() -> str:
    return f"{dbt_vars().get('ledger_schema', 'ledger')}.run_log"


def spool_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.name}.runs-pending"


def _ensure(con) -> None:
    name = table()
    con.execute(f"create schema if not exists {name.split('.')[0]}")
    con.execute(f"create table if not exists {name} ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")


def _upsert(con, record: dict) -> None:
    values = [record.get(column) for column in COLUMNS]
    con.execute(
        f"insert or replace into {table()} ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})", values
    )


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mark_interrupted(con) -> int:
    host = socket.gethostname()
    stale = [
        run_id
        for run_id, pid in con.execute(
            f"select run_id, pid from {table()} where status = 'running' and host = ?", [host]
        ).fetchall()
        if not _alive(pid)
    ]
    for run_id in stale:
        con.execute(
            f"update {table()} set status = 'interrupted', exit_code = null, "
            "message = 'the process ended before recording an outcome (killed or crashed)' where run_id = ?",
            [run_id],
        )
    return len(stale)


def _flush_spool(con, db_path: Path) -> None:
    directory = spool_dir(db_path)
    for spooled in sorted(directory.glob("*.json")) if directory.exists() else []:
        _upsert(con, json.loads(spooled.read_text(encoding="utf-8")))
        spooled.unlink()
    if directory.exists() and not any(directory.iterdir()):
        directory.rmdir()


def _spool(db_path: Path, record: dict) -> Path:
    directory = spool_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    spooled = directory / f"{record['run_id']}.json"
    spooled.write_text(json.dumps(record, default=str, sort_keys=True) + "\n", encoding="utf-8")
    return spooled


def save(db_path: Path, record: dict, timeout: float | None = None, start: bool = False) -> None:
    """Write the record (insert or replace by run_id); spool it and re-raise when the file stays locked."""
    try:
        con = connect(db_path, timeout=timeout)
    except DatabaseLocked:
        _spool(db_path, record)
        raise
    try:
        con.execute("begin transaction")
        _ensure(con)
        if start:
            _mark_interrupted(con)
        _flush_spool(con, db_path)
        _upsert(con, record)
        con.execute("commit")
    finally:
        con.close()


def recent(db_path: Path, limit: int = 20) -> list[dict]:
    """The newest runs, the table's rows and any spooled ones."""
    rows: list[dict] = []
    if db_path.exists():
        con = connect(db_path, read_only=True)
        try:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema || '.' || table_name = ?", [table()]
            ).fetchall()[0][0]
            if exists:
                cursor = con.execute(f"select * from {table()} order by started_at desc limit {int(limit)}")
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, values, strict=False)) for values in cursor.fetchall()]
        finally:
            con.close()
    directory = spool_dir(db_path)
    for spooled in directory.glob("*.json") if directory.exists() else []:
        record = json.loads(spooled.read_text(encoding="utf-8"))
        record["status"] = f"{record['status']} (pending)"
        rows.append(record)
    rows.sort(key=lambda r: str(r.get("started_at") or ""), reverse=True)
    return rows[:limit]


def format_runs(rows: list[dict]) -> str:
    header = (
        "run_id",
        "month",
        "started (UTC)",
        "seconds",
        "status",
        "exit",
        "submitted",
        "errors",
        "revision",
        "message",
    )
    lines = []
    for r in rows:
        started, ended = r.get("started_at"), r.get("ended_at")
        seconds = ""
        if started and ended:
            begin = started if isinstance(started, datetime) else datetime.fromisoformat(str(started))
            end = ended if isinstance(ended, datetime) else datetime.fromisoformat(str(ended))
            seconds = f"{(end - begin).total_seconds():.0f}"
        lines.append(
            (
                str(r.get("run_id"))[:12],
                str(r.get("report_month") or ""),
                str(started or "")[:19],
                seconds,
                str(r.get("status")),
                "" if r.get("exit_code") is None else str(r.get("exit_code")),
                "" if r.get("submitted") is None else str(r.get("submitted")),
                "" if r.get("error_violations") is None else str(r.get("error_violations")),
                str(r.get("project_revision") or ""),
                (str(r.get("message") or "")[:80]),
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out) if lines else "no runs recorded yet"
