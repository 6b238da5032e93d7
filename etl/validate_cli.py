"""`python -m etl validate --load N | --pending`: the great-expectations suite on committed loads
(etl/validation.py), after refreshing the attribution snapshot if a load changed its inputs;
and the `--validate` flag `etl import` shares with `etl demo` and `etl sync`."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli_errors import UserError
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.db import resolve_db_path

MODE_HELP = (
    "when the great-expectations suite runs on the committed load: background (a detached "
    "`python -m etl validate --load N`), now (before the command returns), off (left pending); "
    "default $ETL_VALIDATE or background"
)


def _load_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a load id (a whole number from 1): {text!r}")
    return value


def add_validate_flag(parser: argparse.ArgumentParser) -> None:
    from etl.validation import MODES

    parser.add_argument("--validate", choices=MODES, default=None, help=MODE_HELP)


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "validate",
        help="run the great-expectations suite on committed loads (pending ones, or one load)",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--load", type=_load_id, metavar="N", help="validate load N")
    which.add_argument(
        "--pending", action="store_true", help="validate every load whose validation is pending"
    )
    p.add_argument(
        "--again",
        action="store_true",
        help="with --load: run it again even if it passed or failed already",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long to wait for another process writing the warehouse (default 600)",
    )
    p.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


def mode_of(args: argparse.Namespace) -> str:
    from etl.validation import default_mode

    try:
        return args.validate or default_mode()
    except ValueError as err:
        raise UserError(str(err)) from None


def cmd_validate(args: argparse.Namespace) -> int:
    from etl import validation

    db = resolve_db_path(args.db)
    if not Path(db).exists():  # never create a warehouse just to find nothing in it
        raise UserError(f"{db}: no such warehouse")
    wait = validation.LOCK_WAIT_SECONDS if args.wait is None else args.wait
    opener = validation.file_opener(db, wait)
    # The detached validator `etl import` starts also brings the attribution snapshot up to
    # date, before the suite: the import returns as soon as its rows are committed (a no-op,
    # ~20 ms, when nothing the attribution reads changed).
    with opener() as con:
        refresh_after_write(con)
    if args.pending:
        with opener() as con:
            loads = validation.pending_loads(con)
        if not loads:
            print("no load is waiting for validation")
        for load_id in loads:
            _validate_one(validation, opener, load_id, ("pending",))
        return 0
    statuses = ("pending", "passed", "failed") if args.again else ("pending",)
    _validate_one(validation, opener, args.load, statuses)
    return 0


def _validate_one(validation, opener, load_id: int, statuses: tuple[str, ...]) -> None:
    try:
        outcome = validation.validate_load(opener, load_id, statuses=statuses)
    except validation.ValidationRefused as refused:
        raise UserError(str(refused)) from None
    if outcome is not None:
        print(outcome.line())
        return
    with opener() as con:
        found = validation.state(con, load_id)
    if found["status"] == "running":
        print(f"load {load_id}: being validated by {found['claimed_by']}")
    elif found["error"]:
        print(
            f"load {load_id}: already validated, failed: the suite could not run: "
            f"{found['error']} (--again runs it again)"
        )
    else:
        print(
            f"load {load_id}: already validated, {found['status']} "
            f"({found['failed_expectations'] or 0} of {found['expectations'] or 0} expectations "
            "failed; --again runs it again)"
        )
