"""creditmart on Dagster: an example deployment a lender can copy.

- every dbt model and seed is a Dagster asset, every dbt test an asset check
  (dagster-dbt), partitioned by reporting month (Beijing time);
- `submission_files` is the gated export: GX validation, the quality report,
  then the EXPORT.md files, only when every error-severity expectation passed;
- `creditmart_monthly` runs on the 5th of each month at 06:00 Beijing time for
  the month that just ended.

Run it: `pip install -e '.[dagster]'`, then
`CREDITMART_RAW_DIR=/landing/creditmart dagster dev -f deploy/dagster/definitions.py`.
Settings (environment): CREDITMART_RAW_DIR (absolute; unset = the bundled
sample), CREDITMART_DUCKDB_PATH (the mart), CREDITMART_EXPORT_DIR (default
exports/ in the project).
"""

import json
import os
import sys
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets, get_asset_key_for_model

from creditmart.project import SCHEDULED_BUILD

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Dagster keeps its own manifest (target/dagster), apart from what other dbt commands write to target/
creditmart_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path="target/dagster")
dbt_resource = DbtCliResource(
    project_dir=creditmart_project,
    profiles_dir=str(PROJECT_DIR),
    # the dbt installed beside this Python (the project's virtualenv), on PATH or not
    dbt_executable=str(Path(sys.executable).parent / "dbt"),
)
if not creditmart_project.manifest_path.exists():
    # a deployment builds the manifest at image build time (`dbt parse`); a fresh checkout does it here
    dbt_resource.cli(["parse", "--quiet"], target_path=creditmart_project.target_path).wait()

# a reporting month closes at midnight Beijing time; its partition exists from then on
reporting_months = dg.MonthlyPartitionsDefinition(start_date="2026-01-01", timezone="Asia/Shanghai")


def reporting_month(context: AssetExecutionContext) -> str:
    return context.partition_key[:7]  # "2026-10-01" -> "2026-10"


def dbt_target_path(month: str) -> Path:
    """Where the dbt build of a month writes run_results.json (read by the quality report)."""
    return PROJECT_DIR / "target" / f"dagster-{month}"


# one run per month: each reporting month is its own dbt build (the reporting_month var)
one_month_per_run = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)


@dbt_assets(
    manifest=creditmart_project.manifest_path, partitions_def=reporting_months, backfill_policy=one_month_per_run
)
def creditmart_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    month = reporting_month(context)
    dbt_vars = {"reporting_month": month}
    if os.environ.get("CREDITMART_RAW_DIR"):
        dbt_vars["raw_dir"] = os.environ["CREDITMART_RAW_DIR"]
    invocation = dbt.cli(
        [*SCHEDULED_BUILD, "--vars", json.dumps(dbt_vars)], context=context, target_path=dbt_target_path(month)
    )
    yield from invocation.stream()


@dg.asset(
    partitions_def=reporting_months,
    backfill_policy=one_month_per_run,
    deps=[
        get_asset_key_for_model([creditmart_dbt], "submission_account_records"),
        get_asset_key_for_model([creditmart_dbt], "submission_person_records"),
        get_asset_key_for_model([creditmart_dbt], "rpt_submission_reconciliation"),
    ],
    description="The month's submission files (210/110, manifest), written only when the quality gate passes.",
)
def submission_files(context: AssetExecutionContext) -> dg.MaterializeResult:
    from creditmart.export import run_export
    from creditmart.quality.report import run_report
    from creditmart.quality.validate import run_validate

    month = reporting_month(context)
    code, summary = run_validate(month=month)
    context.log.info(summary)
    context.log.info(run_report(month=month, target_path=str(dbt_target_path(month))))
    if code != 0:
        raise dg.Failure(
            description=f"quality gate failed for {month}: {summary}; nothing exported",
            metadata={"report": dg.MetadataValue.path(str(PROJECT_DIR / "target" / "quality" / "report.html"))},
        )
    out = Path(os.environ.get("CREDITMART_EXPORT_DIR", PROJECT_DIR / "exports"))
    context.log.info(run_export(month=month, out_dir=str(out)))
    manifest = json.loads((out / month / "manifest.json").read_text(encoding="utf-8"))
    return dg.MaterializeResult(
        metadata={
            "month": month,
            "directory": dg.MetadataValue.path(str(out / month)),
            **{f"records_{f['record_type']}": f["record_count"] for f in manifest["files"]},
        }
    )


creditmart_monthly_job = dg.define_asset_job(
    "creditmart_monthly", selection=dg.AssetSelection.assets(creditmart_dbt, submission_files)
)

# the schedule a lender copies: the 5th of each month, 06:00 Beijing time, for the month that just ended
creditmart_monthly_schedule = dg.build_schedule_from_partitioned_job(
    creditmart_monthly_job, day_of_month=5, hour_of_day=6, minute_of_hour=0
)

defs = dg.Definitions(
    assets=[creditmart_dbt, submission_files],
    jobs=[creditmart_monthly_job],
    schedules=[creditmart_monthly_schedule],
    resources={"dbt": dbt_resource},
)
