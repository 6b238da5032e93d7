"""The AR subcommands of `python -m billing`: aging, late-fees, reminders, ar-sync.

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date

import duckdb

from app_auth import audit_row
from core import clock
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.db import connect, resolve_db_path

AR_COMMANDS = ("aging", "late-fees", "reminders", "ar-sync")


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_ar_commands(sub) -> None:
    hidden_db = {"default": argparse.SUPPRESS, "help": argparse.SUPPRESS}
    aging = sub.add_parser("aging", help="open receivables as of a date")
    # "today" is resolved when the command runs (core.clock), not when the parser is built.
    today = {"type": _as_of, "default": None, "help": "YYYY-MM-DD (today)"}
    aging.add_argument("--as-of", **today)
    aging.add_argument("--format", choices=("json", "table"), default="table")
    aging.add_argument("--db", **hidden_db)
    fees = sub.add_parser("late-fees", help="accrue late fees as of a date (idempotent)")
    fees.add_argument("--as-of", **today)
    fees.add_argument("--format", choices=("json", "table"), default="table")
    fees.add_argument("--db", **hidden_db)
    rem = sub.add_parser("reminders", help="the reminder queue as of a date; --send sends it")
    rem.add_argument("--as-of", **today)
    rem.add_argument("--send", action="store_true", help="send (default: only list)")
    rem.add_argument("--outbox", help="folder for .eml files (default data/outbox)")
    rem.add_argument("--format", choices=("json", "table"), default="table")
    rem.add_argument("--db", **hidden_db)
    sync = sub.add_parser("ar-sync", help="record payment applications and AR exceptions")
    sync.add_argument("--db", **hidden_db)
    for p in (fees, rem, sync):
        audit_row.add_actor_argument(p, hidden=True)


def _connect(args) -> duckdb.DuckDBPyConnection:
    path = resolve_db_path(args.db)
    if not path.exists():
        raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
    return connect(path)


# Test seam, read only here: `BILLING_PAUSE_LATE_FEES=SECONDS` makes `billing late-fees` stop
# for that long after writing its first charge, inside its transaction, after printing
# PAUSE_MARKER on stderr: the crash-consistency test kills the process there
# (tests/billing/test_crash_consistency.py). Unset, nothing pauses.
PAUSE_ENV = "BILLING_PAUSE_LATE_FEES"
PAUSE_MARKER = "paused after the first late-fee charge"


def _pause_from_env() -> Callable[[], None] | None:
    seconds = os.environ.get(PAUSE_ENV, "").strip()
    if not seconds:
        return None

    def pause() -> None:
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(float(seconds))

    return pause


def _run(args) -> tuple[object, str]:
    """(JSON document, table text) of the command."""
    from billing.ar import aging, late_fees, sync

    if hasattr(args, "as_of") and args.as_of is None:
        args.as_of = clock.today()
    args.audit_actor = audit_row.cli_actor(getattr(args, "actor", None))
    con = _connect(args)
    try:
        if args.command == "aging":
            report = aging.aging(con, args.as_of)
            return report.to_json(), aging.render_table(report)
        if args.command == "late-fees":
            charges = late_fees.accrue_late_fees(
                con, args.as_of, actor=args.audit_actor, pause=_pause_from_env()
            )  # late_fee_charges only: nothing the attribution snapshot reads
            return late_fees.charges_json(charges), late_fees.render_table(charges, args.as_of)
        if args.command == "reminders":
            return reminders_command(con, args)
        counts = sync.sync_receivables(con, actor=args.audit_actor)
        refresh_after_write(con)  # committed; the pages read the attribution from the snapshot
        return counts, "".join(f"{k}: {v}\n" for k, v in counts.items())
    finally:
        con.close()


def run_ar_command(args) -> int:
    """User errors reach `python -m billing`'s cli_errors wrapper: one line, exit 1."""
    document, table = _run(args)
    if getattr(args, "format", "table") == "json":
        sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(table)
    return 0


def reminders_command(con: duckdb.DuckDBPyConnection, args) -> tuple[dict, str]:
    """`billing reminders`: the queue as of a date; with --send, sent through the configured
    sender (SMTP when AR_SMTP_HOST is set, else .eml files in the outbox folder)."""
    from billing.ar.aging import fit
    from billing.ar.polish import polisher_from_settings
    from billing.ar.reminders import reminder_queue, send_reminders
    from billing.ar.senders import sender_from_settings

    if args.send:
        sender = sender_from_settings(outbox=args.outbox)
        reminders = send_reminders(
            con, args.as_of, sender, actor=args.audit_actor, polish=polisher_from_settings()
        )
        title = f"Sent {len(reminders)} reminder(s) via {sender.channel}"
        refused = reminders.refused
    else:
        reminders = reminder_queue(con, args.as_of)
        title = f"{len(reminders)} reminder(s) due on {args.as_of}"
        refused = []
    width = min(max([6, *(len(r.client_name or r.client_id) for r in reminders)]), 32)
    lines = [title] + [
        f"  {r.number:<16} {fit(r.client_name or r.client_id, width)} {r.offset_days:>4} d "
        f"{r.tone:<9} {r.recipient or '(no email)'}: {' '.join(r.subject.split())}"
        for r in reminders
    ]
    lines += [f"  refused {line}" for line in refused]
    return {
        "as_of": args.as_of.isoformat(),
        "reminders": [r.to_json() for r in reminders],
        "refused": refused,
    }, "\n".join(lines) + "\n"
