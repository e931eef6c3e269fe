"""The creditmart command line."""

from __future__ import annotations

import argparse
import sys

from creditmart.project import CreditmartError

EXIT_ERROR = 2  # bad input or invocation; 1 is kept for a failed quality gate (validate, run)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, help="DuckDB file (default: $CREDITMART_DUCKDB_PATH or creditmart.duckdb)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creditmart", description="Tools around the creditmart dbt project (run `dbt build` first)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = commands.add_parser(
        "export",
        help="write the submission files of a month and record them in the ledger",
        description="Write the EXPORT.md file set of a built month (210 and 110 messages, manifest.json, "
        "and with deletion policy 'include' the 214 deletion requests), verify what was written, "
        "then record the furnished records in the furnished-state ledger.",
    )
    export.add_argument("--month", required=True, help="reporting month, YYYY-MM")
    export.add_argument(
        "--out", default="exports", help="export directory (default: exports); files go to OUT/YYYY-MM/"
    )
    add_db_argument(export)
    export.add_argument(
        "--deletion-policy",
        choices=["propose", "include"],
        default=None,
        help="write the deletion-request file (include) or only propose (default: the "
        "deletion_policy var of dbt_project.yml)",
    )

    generate = commands.add_parser(
        "generate",
        help="write seeded synthetic raw data (the six entities) at any scale",
        description="Write the six raw entities of SPEC §1 for N borrowers over K months ending at --end-month, "
        "streamed in chunks (bounded memory). The same arguments give byte-identical files. "
        "With --defect-rate, every bad-input class of RULES.md is injected and listed in defects.csv.",
    )
    generate.add_argument("--borrowers", type=int, required=True, help="number of borrowers")
    generate.add_argument("--months", type=int, required=True, help="months of history")
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format")
    generate.add_argument("--out", required=True, help="directory to write <entity>.<format> and defects.csv into")
    generate.add_argument("--defect-rate", type=float, default=0.0, help="share of rows per defect class (default 0)")
    generate.add_argument("--end-month", default="2026-10", help="last month, YYYY-MM (default 2026-10)")
    generate.add_argument("--chunk-size", type=int, default=50_000, help="borrowers per chunk (default 50000)")

    validate = commands.add_parser(
        "validate",
        help="run the Great Expectations suites; exit 1 when an error-severity expectation fails",
        description="Validate the built tables with the GX suites (inbound: the staged raw entities; outbound: "
        "the submission models and fct_account_months, per month) and build the Data Docs. Exit code 0 "
        "when every error-severity expectation passes, 1 otherwise: gate the export on it.",
    )
    validate.add_argument("--month", default=None, help="validate only this report month (outbound suites)")
    add_db_argument(validate)

    report = commands.add_parser(
        "report",
        help="write the quality report (offline HTML) and quality.json",
        description="Write target/quality/report.html and quality.json: consent coverage funnel and trend, "
        "conservation per month, rule violations by rule and month, dbt test and GX results joined by "
        "rule_id. Run `creditmart validate` first for the GX part.",
    )
    report.add_argument("--month", default=None, help="report month (default: the latest in the mart)")
    add_db_argument(report)
    report.add_argument(
        "--target-path", default=None, help="dbt target directory with run_results.json (default: target)"
    )
    run = commands.add_parser(
        "run",
        help="the monthly job: build, validate, report and (with --export) export one month",
        description="Build the mart for the month (dbt build), validate it (GX suites), write the quality "
        "report and, only with --export and only when the quality gate passed, export the files. Safe to "
        "repeat and to interrupt; every run is recorded in the run log (`creditmart runs`). Exit codes: "
        "0 success, 1 quality gate failed (nothing exported), 2 error (bad input or invocation, locked "
        "database).",
    )
    run.add_argument(
        "--month", default=None, help="reporting month YYYY-MM (default: the previous month, Beijing time)"
    )
    run.add_argument("--raw-dir", default=None, help="directory with the six raw entities (default: bundled sample)")
    run.add_argument("--export", action="store_true", help="export the files when the quality gate passes")
    run.add_argument("--out", default="exports", help="export directory (default: exports)")
    run.add_argument(
        "--deletion-policy", choices=["propose", "include"], default=None, help="as for `creditmart export`"
    )
    run.add_argument("--full-refresh", action="store_true", help="pass --full-refresh to dbt build")
    run.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        help="seconds to wait while another process holds the DuckDB file (default: $CREDITMART_LOCK_TIMEOUT or 60)",
    )
    add_db_argument(run)

    runs = commands.add_parser("runs", help="list the recent runs from the run log")
    runs.add_argument("--limit", type=int, default=20, help="how many runs (default 20)")
    runs.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    add_db_argument(runs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "export":
            from creditmart.export import run_export

            summary = run_export(month=args.month, out_dir=args.out, db=args.db, deletion_policy=args.deletion_policy)
            print(summary)
        elif args.command == "generate":
            from creditmart.generate import generate

            counts = generate(
                borrowers=args.borrowers,
                months=args.months,
                seed=args.seed,
                file_format=args.format,
                out=args.out,
                defect_rate=args.defect_rate,
                end_month=args.end_month,
                chunk_size=args.chunk_size,
            )
            print("wrote " + ", ".join(f"{entity}: {count:,}" for entity, count in counts.items()) + f" to {args.out}")
        elif args.command == "validate":
            from creditmart.quality.validate import run_validate

            code, summary = run_validate(month=args.month, db=args.db)
            print(summary)
            return code
        elif args.command == "report":
            from creditmart.quality.report import run_report

            print(run_report(month=args.month, db=args.db, target_path=args.target_path))
        elif args.command == "run":
            from creditmart.run import RunOptions, run_month

            options = {k: v for k, v in vars(args).items() if k != "command"}
            return run_month(RunOptions(**options))
        elif args.command == "runs":
            import json

            from creditmart import runlog
            from creditmart.project import duckdb_path

            rows = runlog.recent(duckdb_path(args.db), args.limit)
            if args.json:
                for row in rows:
                    print(json.dumps(row, default=str, sort_keys=True))
            else:
                print(runlog.format_runs(rows))
    except CreditmartError as error:
        print(f"creditmart {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
