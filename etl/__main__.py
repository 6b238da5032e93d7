"""`python -m etl`: build the demo firm, import canonical folders, tracker and accounting exports.

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from app_auth import audit_row
from core import clock
from core.cli_errors import UserError, cli_errors, one_line
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.db import connect, resolve_db_path, transaction

if TYPE_CHECKING:  # the loader (polars, and GX on a load) is imported by the commands using it
    from etl.load_run import LoadReport

EXPORT_SOURCES = (
    "harvest-csv",
    "toggl-csv",
    "clockify-csv",
    "freshbooks-csv",
    "hubstaff-csv",
    "odoo-csv",
)
ACCOUNTING_SOURCES = ("quickbooks-csv", "xero-csv")
SOURCES = ("canonical", *EXPORT_SOURCES, *ACCOUNTING_SOURCES, "ics")
MAX_EXAMPLES = 20


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    audit_row.add_actor_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build a realistic demo firm into the warehouse")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--people", type=int, default=24)
    demo.add_argument(
        "--months", type=int, default=None, help="history length (default 12, 24 above 50 people)"
    )
    demo.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help="the demo's today: its history ends the month before, nothing is dated after it "
        "(YYYY-MM-DD, default today)",
    )
    demo.add_argument(
        "--keep-files", metavar="DIR", help="also keep the generated canonical files in DIR"
    )
    imp = sub.add_parser("import", help="import a canonical folder or a tracker export file")
    imp.add_argument("source", choices=SOURCES)
    imp.add_argument("path")
    imp.add_argument("--strict", action="store_true", help="exit 1 when any row was quarantined")
    imp.add_argument("--person", help="ics: whose calendar (default: from the file name)")
    from etl.validate_cli import add_parser as add_validate_parser
    from etl.validate_cli import add_validate_flag

    add_validate_flag(imp)
    add_validate_flag(demo)
    add_validate_parser(sub)
    from etl.sync.cli import add_parser as add_sync_parser
    from etl.sync.cli import add_webhooks_parser

    sync = add_sync_parser(sub)
    hooks = add_webhooks_parser(sub)
    from etl.sync.connect import add_parser as add_connect_parser

    add_connect_parser(sub)
    for p in (demo, imp, sync, hooks):
        p.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    for p in (demo, imp, sync):
        audit_row.add_actor_argument(p, hidden=True)
    return parser


def print_report(report: LoadReport, label: str) -> None:
    for stats in report.entities:
        print(stats.line())
    shown = 0
    for stats in report.entities:
        for example in stats.examples:
            if shown < MAX_EXAMPLES:
                print(f"  quarantined {stats.file}:{example}")
            shown += 1
    if shown > MAX_EXAMPLES:
        print(f"  … and {shown - MAX_EXAMPLES} more (see the Data health page)")
    print(f"{label}: load {report.load_id}, {report.quarantined} row(s) quarantined")


def open_warehouse(db: str | None) -> duckdb.DuckDBPyConnection:
    try:
        return connect(db)
    except (duckdb.IOException, duckdb.SerializationException, OSError) as err:
        raise UserError(f"cannot open warehouse {resolve_db_path(db)}: {one_line(err)}") from None


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    if args.source == "canonical" and not path.is_dir():
        raise UserError(f"{path}: 'canonical' imports a folder of contract files")
    mode = mode_of(args)
    con = open_warehouse(args.db)
    started = time.perf_counter()
    try:
        report = _run_import(con, args, path)
        record_import(con, report, args.source, path, audit_row.cli_actor(args.actor))
        if mode != "background":  # else the detached validator refreshes it first (5 s at
            refresh_after_write(con)  # 600 people, for 15 new rows as for a million)
        validated = validate_now(con, report, mode)
    finally:
        con.close()
    print_report(report, f"{args.source} {path} in {time.perf_counter() - started:.1f}s")
    print(validated or validate_later(args.db, report, mode))
    if report.file_errors:
        errors = report.file_errors
        text = (
            errors[0] if len(errors) == 1 else f"{len(errors)} files refused: " + "; ".join(errors)
        )
        raise UserError(text)
    if args.strict and report.quarantined:
        raise UserError(f"{report.quarantined} row(s) quarantined (--strict)")
    return 0


def mode_of(args: argparse.Namespace) -> str:
    from etl.validate_cli import mode_of as mode

    return mode(args)


def validate_now(con: duckdb.DuckDBPyConnection, report: LoadReport, mode: str) -> str | None:
    """`--validate now`: the suite on the committed load before the command returns (its line),
    else None (validate_later, once the connection let go of the file)."""
    if mode != "now":
        return None
    from etl.validation import same_connection, validate_load

    outcome = validate_load(lambda: same_connection(con), report.load_id)
    return outcome.line() if outcome else f"load {report.load_id}: validated by another process"


def validate_later(db: str | None, report: LoadReport, mode: str) -> str:
    """`background` starts the detached validator, `off` leaves the load pending: the line."""
    from etl.validation import after_commit

    return after_commit(None, resolve_db_path(db), report.load_id, mode)[0]


def record_import(
    con: duckdb.DuckDBPyConnection,
    report: LoadReport,
    source: str,
    path: Path,
    actor: str | None = None,
) -> None:
    """The import's audit row: who ran it (cli:<OS user>, or --actor beside it), from which file
    or folder, what it loaded (the load_log row has the rest)."""
    after = {
        "source": source,
        "path": str(path.resolve()),
        "load_id": report.load_id,
        "rows": sum(s.new + s.updated for s in report.entities),
        "quarantined": report.quarantined,
        "files_refused": len(report.file_errors),
    }
    with transaction(con):
        audit_row.record(
            con, actor or audit_row.cli_actor(), "import", "load", str(report.load_id), after=after
        )


def _run_import(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, path: Path) -> LoadReport:
    from etl.import_kinds import run_import  # the same call as the app's Import page

    return run_import(con, args.source, path, args.person)


def cmd_demo(args: argparse.Namespace) -> int:
    from demo import write_demo_folder

    if args.people < 1:
        raise UserError("--people must be at least 1")
    as_of = args.as_of or clock.today()
    mode = mode_of(args)
    con = open_warehouse(args.db)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="demo-firm-") as tmp:
        folder = Path(args.keep_files) if args.keep_files else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            write_demo_folder(
                folder, seed=args.seed, people=args.people, months=args.months, as_of=as_of
            )
        except ValueError as err:  # sizes the demo cannot plant its problems in
            raise UserError(str(err)) from None
        generated = time.perf_counter() - started
        label = f"demo firm (seed {args.seed}, {args.people} people, as of {as_of})"
        from etl.loader import import_canonical

        try:
            report = import_canonical(con, folder, label=label)
            record_import(con, report, "demo", folder, audit_row.cli_actor(args.actor))
            refresh_after_write(con)
            validated = validate_now(con, report, mode)
        finally:
            con.close()
    print_report(report, label)
    print(validated or validate_later(args.db, report, mode))
    print(
        f"generated in {generated:.1f}s, total {time.perf_counter() - started:.1f}s "
        f"-> {resolve_db_path(args.db)}"
    )
    return 0


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {
        "import": cmd_import,
        "demo": cmd_demo,
        "sync": cmd_sync,
        "webhooks": cmd_webhooks,
        "connect": cmd_connect,
        "validate": cmd_validate,
    }
    return commands[args.command](args)


def cmd_sync(args: argparse.Namespace) -> int:
    from etl.sync.cli import cmd_sync as run

    return run(args, open_warehouse, print_report)


def cmd_webhooks(args: argparse.Namespace) -> int:
    from etl.sync.cli import cmd_webhooks as serve

    return serve(args, open_warehouse)


def cmd_validate(args: argparse.Namespace) -> int:
    from etl.validate_cli import cmd_validate as run

    return run(args)


def cmd_connect(args: argparse.Namespace) -> int:
    from etl.sync.connect import cmd_connect as run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
