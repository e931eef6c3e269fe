"""The creditmart command line."""

from __future__ import annotations

import argparse
import sys

from creditmart.project import CreditmartError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creditmart",
        description="Tools around the creditmart dbt project (run `dbt build` first).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = commands.add_parser(
        "export", help="write the submission files of a month and record them in the ledger",
        description="Write the EXPORT.md file set of a built month (210 and 110 messages, manifest.json, "
                    "and with deletion policy 'include' the 214 deletion requests), verify what was written, "
                    "then record the furnished records in the furnished-state ledger.")
    export.add_argument("--month", required=True, help="reporting month, YYYY-MM")
    export.add_argument("--out", default="exports", help="export directory (default: exports); files go to OUT/YYYY-MM/")
    export.add_argument("--db", default=None,
                        help="DuckDB file (default: $CREDITMART_DUCKDB_PATH or creditmart.duckdb)")
    export.add_argument("--deletion-policy", choices=["propose", "include"], default=None,
                        help="write the deletion-request file (include) or only propose (default: the "
                             "deletion_policy var of dbt_project.yml)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "export":
            from creditmart.export import run_export

            summary = run_export(month=args.month, out_dir=args.out, db=args.db,
                                 deletion_policy=args.deletion_policy)
            print(summary)
    except CreditmartError as error:
        print(f"creditmart {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
