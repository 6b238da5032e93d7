"""`python -m billing draft --period YYYY-MM`: the period's draft invoices as JSON or a table;
`python -m billing aging --as-of DATE`: the open receivables as of a date;
`python -m billing push --to quickbooks|xero DRAFT_ID...`: approved drafts out, once each;
`python -m billing pushed --to quickbooks|xero`: the pushed invoices as the accounting system
has them now (number, status, paid) and what was changed there since the push.

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from billing.ar.cli import AR_COMMANDS, add_ar_commands, run_ar_command
from billing.draft import Draft, draft_period
from billing.period import Period
from core.cli_errors import check_clients, cli_errors
from core.money import money_text
from warehouse.db import connect, resolve_db_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m billing", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    draft = sub.add_parser("draft", help="draft the invoices of a period")
    draft.add_argument("--period", required=True, help="YYYY-MM")
    draft.add_argument("--client", help="only this client's contracts")
    draft.add_argument("--format", choices=("json", "table"), default="table")
    draft.add_argument("--out", help="write the output to this file instead of stdout")
    draft.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add_ar_commands(sub)
    push = sub.add_parser("push", help="push approved drafts to QuickBooks Online or Xero")
    push.add_argument("--to", required=True, choices=("quickbooks", "xero"))
    push.add_argument("draft_ids", nargs="+", type=int, metavar="DRAFT_ID")
    pushed = sub.add_parser("pushed", help="read pushed invoices back: status, paid, edits")
    pushed.add_argument("--to", required=True, choices=("quickbooks", "xero"))
    for p in (push, pushed):
        p.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def run_accounting(args: argparse.Namespace) -> int:
    """push / pushed: one line per draft; API and credential errors are one line (exit 1)."""
    from billing.accounting_push import VENDOR, push_draft, read_back

    path = resolve_db_path(args.db)
    if not path.exists():
        raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
    con = connect(path)
    try:
        if args.command == "push":
            for draft_id in args.draft_ids:
                r = push_draft(con, draft_id, args.to)
                verb = "pushed as" if r.sent else "already pushed as"
                print(f"draft {draft_id}: {verb} {VENDOR[args.to]} {r.number} (id {r.external_id})")
        else:
            states = read_back(con, args.to)
            if not states:
                print(f"nothing pushed to {VENDOR[args.to]} yet")
            for state in states:
                print(state.line(args.to))
    finally:
        con.close()
    return 0


def render_table(draft: Draft) -> str:
    out = [f"Draft invoices for {draft.period}"]
    if draft.already_invoiced:
        out.append(f"Already invoiced: {', '.join(draft.already_invoiced)} (not drafted again)")
    if not draft.invoices:
        out.append("Nothing left to draft.")
    for inv in draft.invoices:
        po = f", PO {inv.po_number}" if inv.po_number else ""
        project = f" / {inv.project_id}" if inv.project_id else ""
        out.append(f"\n{inv.contract_id} / {inv.client_id}{project} ({inv.currency}{po})")
        for line in inv.lines:
            out.append(
                f"  {line.kind:<15} {line.description[:64]:<64} {money_text(line.amount):>12}"
            )
        out.append(f"  {'subtotal':<80} {money_text(inv.subtotal):>12}")
        out.append(f"  {'tax':<80} {money_text(inv.tax):>12}")
        out.append(f"  {'total':<80} {money_text(inv.total):>12}")
    if draft.exceptions:
        out.append(f"\n{len(draft.exceptions)} exception(s)")
        out += [f"  {e.kind:<16} {e.ref:<14} {e.detail}" for e in draft.exceptions]
    return "\n".join(out) + "\n"


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in AR_COMMANDS:
        return run_ar_command(args)
    if args.command in ("push", "pushed"):
        return run_accounting(args)
    period = Period.parse(args.period)
    path = resolve_db_path(args.db)
    if not path.exists():
        raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
    con = connect(path)
    try:
        check_clients(con, [args.client] if args.client else [])
        draft = draft_period(con, period, args.client)
    finally:
        con.close()
    text = (
        json.dumps(draft.to_json(), indent=2) + "\n"
        if args.format == "json"
        else render_table(draft)
    )
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
