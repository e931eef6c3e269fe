"""`creditmart validate`: run the GX checkpoints against the built DuckDB tables.

Route: GX's SQL datasource on DuckDB is broken (GX issue #11579), so each
batch is read from DuckDB through Arrow (decimals as double, dates as
yyyymmdd numbers) and validated as a pandas dataframe batch. Inbound suites are batched
by a hash of their key (uniqueness stays checkable within a batch), outbound
suites by report_month, so memory stays bounded at any scale. Results keep
counts only: no failing value lands in the results or Data Docs.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
import warnings

import duckdb

from creditmart.project import PROJECT_DIR, CreditmartError, check_month, connect, duckdb_path
from creditmart.quality.suites import SuiteSpec, build_suites

RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 0,
    "exclude_unexpected_values": True,
    "include_unexpected_rows": False,
}
ROWS_PER_BATCH = 1_000_000
RESULTS_PATH = PROJECT_DIR / "target" / "quality" / "gx_results.json"


def select_sql(spec: SuiteSpec, types: dict[str, str]) -> str:
    columns = []
    for column in spec.columns:
        data_type = types[column].upper()
        if data_type.startswith("DECIMAL") or data_type in ("INTEGER", "BIGINT"):
            columns.append(f"cast({column} as double) as {column}")
        elif data_type == "DATE":
            # yyyymmdd as a number: ordered, and comparable with numeric bounds in GX
            columns.append(f"cast(strftime({column}, '%Y%m%d') as double) as {column}")
        elif data_type == "TIMESTAMP":
            columns.append(f"cast({column} as varchar) as {column}")
        else:
            columns.append(column)
    return f"select {', '.join(columns)} from {spec.relation}"


def batches(con: duckdb.DuckDBPyConnection, spec: SuiteSpec, month: str | None):
    """(label, where clause) per batch."""
    if spec.per_month:
        months = [
            r[0]
            for r in con.execute("select report_month from intermediate.int_reporting_months order by 1").fetchall()
        ]
        for m in [month] if month else months:
            if m not in months:
                raise CreditmartError(f"{m} is not in the mart")
            yield m, f"report_month = '{m}'"
    else:
        rows = con.execute(f"select count(*) from {spec.relation}").fetchall()[0][0]
        parts = max(1, math.ceil(rows / ROWS_PER_BATCH))
        for part in range(parts):
            where = "true" if parts == 1 else f"hash({spec.key}) % {parts} = {part}"
            yield f"part {part + 1}/{parts}", where


def stable_ids(suite) -> None:
    """Deterministic expectation ids, so the committed suites do not churn."""
    for index, expectation in enumerate(suite.expectations):
        key = f"creditmart:{suite.name}:{index}:{expectation.expectation_type}"
        expectation.id = str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def stored_suite(context, suite):
    """The committed suite when it is already identical, else the suite written anew."""
    stable_ids(suite)
    try:
        current = context.suites.get(suite.name)
    except Exception:  # noqa: BLE001 (GX raises its own not-found errors)
        current = None
    if current is not None and [e.configuration.to_json_dict() for e in current.expectations] == [
        e.configuration.to_json_dict() for e in suite.expectations
    ]:
        return current
    return context.suites.add_or_update(suite)


def get_or_add(store, candidate):
    """The committed object of that name, else the candidate, added."""
    try:
        return store.get(candidate.name)
    except Exception:  # noqa: BLE001 (GX raises its own not-found errors)
        return store.add(candidate)


def exception_message(info: dict) -> str | None:
    """First exception GX recorded for an expectation (flat or per metric), if any."""
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception") or candidate.get("exception_message"):
            return str(candidate.get("exception_message")).splitlines()[0]
    return None


def run_validate(month: str | None = None, db: str | None = None, data_docs: bool = True) -> tuple[int, str]:
    if month:
        check_month(month)
    path = duckdb_path(db)
    if not path.exists():
        raise CreditmartError(f"{path} does not exist: run `dbt build` first")
    warnings.filterwarnings("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(PROJECT_DIR))
    # reuse the committed GX objects; write only what changed, so a run leaves gx/ as it was
    source = next((d for d in context.data_sources.all().values() if d.name == "creditmart"), None)
    source = source or context.data_sources.add_pandas("creditmart")
    con = connect(path, read_only=True)
    try:
        specs = build_suites(con)
        results = []
        for spec in specs:
            asset = next((a for a in source.assets if a.name == spec.name), None) or source.add_dataframe_asset(
                spec.name
            )
            definition = next(
                (b for b in asset.batch_definitions if b.name == "batch"), None
            ) or asset.add_batch_definition_whole_dataframe("batch")
            suite = stored_suite(context, gx.ExpectationSuite(name=spec.name, expectations=spec.expectations))
            validation = get_or_add(
                context.validation_definitions, gx.ValidationDefinition(name=spec.name, data=definition, suite=suite)
            )
            # one checkpoint per suite: every batch is a run of it with its own dataframe
            checkpoint = get_or_add(
                context.checkpoints,
                gx.Checkpoint(name=spec.name, validation_definitions=[validation], result_format=RESULT_FORMAT),
            )
            types = dict(
                con.execute(
                    f"select column_name, data_type from information_schema.columns "
                    f"where table_schema || '.' || table_name = '{spec.relation}'"
                ).fetchall()
            )
            if not types:
                raise CreditmartError(f"{spec.relation} is missing: run `dbt build` first")
            for label, where in batches(con, spec, month):
                frame = con.execute(f"{select_sql(spec, types)} where {where}").to_arrow_table().to_pandas()
                run = checkpoint.run(batch_parameters={"dataframe": frame})
                outcome = next(iter(run.run_results.values()))
                for result in outcome.results:
                    config = result.expectation_config
                    results.append(
                        {
                            "suite": spec.name,
                            "batch": label,
                            "expectation": config.type,
                            "column": config.kwargs.get("column")
                            or ",".join(
                                filter(
                                    None,
                                    [config.kwargs.get("column_A"), config.kwargs.get("column_B")]
                                    + list(config.kwargs.get("column_list") or []),
                                )
                            ),
                            "rule_id": config.meta.get("rule_id"),
                            "severity": config.meta.get("severity"),
                            "success": bool(result.success),
                            "element_count": int(result.result.get("element_count") or 0),
                            "unexpected_count": int(result.result.get("unexpected_count") or 0),
                            "error": exception_message(result.exception_info),
                        }
                    )
                del frame
        if data_docs:
            context.build_data_docs()
    finally:
        con.close()
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(
        json.dumps({"database": str(path.resolve()), "month": month, "results": results}, indent=1) + "\n",
        encoding="utf-8",
    )
    failed_errors = [r for r in results if not r["success"] and r["severity"] == "error"]
    failed_warns = [r for r in results if not r["success"] and r["severity"] != "error"]
    summary = (
        f"validated {len(specs)} suites, {len(results)} expectation results: "
        f"{len(failed_errors)} error-severity failures, {len(failed_warns)} warn-severity failures "
        f"(results: {RESULTS_PATH.relative_to(PROJECT_DIR)}, Data Docs: "
        "target/quality/data_docs/index.html)"
    )
    return (1 if failed_errors else 0), summary
