"""`python -m rules run [--as-of DATE] [--format json|table]`: run the rules and store their
exceptions in the queue (source `rules`). `python -m rules classify [--llm off|auto|on]`: suggest
projects, SOW lines, billable and work type for unclassified work (docs/classify.md).
`python -m rules review [--llm off|auto|on]`: read notes against SOW lines, milestones and
calendars for leakage, scope creep, milestone mismatches and under-reporting (docs/review.md).

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from app_auth import audit_row
from core.cli_errors import cli_errors
from rules.config import load_config
from rules.engine import RulesRun, run_rules
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.db import connect, resolve_db_path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rules", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    audit_row.add_actor_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every rule and sync its exceptions")
    run.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
    run.add_argument("--format", choices=("json", "table"), default="table")
    run.add_argument("--config", help="rules config TOML (default rules/config.toml)")
    run.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    audit_row.add_actor_argument(run, hidden=True)
    classify = sub.add_parser("classify", help="suggest projects and SOW lines for open work")
    classify.add_argument("--llm", choices=("off", "auto", "on"), default="auto")
    classify.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
    classify.add_argument("--format", choices=("json", "table"), default="table")
    classify.add_argument("--config", help="rules config TOML (default rules/config.toml)")
    classify.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    review = sub.add_parser(
        "review",
        help="tag leakage, scope creep, milestone mismatches and "
        "under-reporting from notes and calendars",
    )
    review.add_argument("--llm", choices=("off", "auto", "on"), default="auto")
    review.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
    review.add_argument("--format", choices=("json", "table"), default="table")
    review.add_argument("--config", help="rules config TOML (default rules/config.toml)")
    review.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def render_table(result: RulesRun) -> str:
    c = result.counts
    head = (
        f"{len(result.exceptions)} exception(s): {c['new']} new, {c['updated']} still "
        f"found, {c['resolved']} resolved"
    )
    out = [head]
    for e in result.exceptions:
        value = "" if e.value is None else f"{e.value} {e.currency or ''}".strip()
        out.append(f"  {e.kind:<26} {e.ref:<18} {e.severity:<6} {value:>14}  {e.detail}")
    out.append("rule times: " + ", ".join(f"{k} {s:.2f}s" for k, s in result.seconds.items()))
    return "\n".join(out) + "\n"


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "classify":
        from rules.classify.cli import classify_main

        return classify_main(args)
    if args.command == "review":
        from rules.llm_review.cli import review_main

        return review_main(args)
    config = load_config(args.config)
    path = resolve_db_path(args.db)
    if not path.exists():
        raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
    con = connect(path)
    try:
        result = run_rules(con, args.as_of, config, actor=audit_row.cli_actor(args.actor))
        refresh_after_write(con)
    finally:
        con.close()
    if args.format == "json":
        text = json.dumps({"exceptions": [e.to_json() for e in result.exceptions]}, indent=2)
        sys.stdout.write(text + "\n")
    else:
        sys.stdout.write(render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
