"""`python -m metrics kpis --period YYYY-MM | --start DATE --end DATE [--as-of DATE]`: the
firm-level KPIs of a month or any range of days as JSON or a table.

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal

from billing.period import Period
from core.cli_errors import check_known, cli_errors
from metrics.filters import Filters
from metrics.kpis import Kpi, firm_kpis
from metrics.session import kpi_connection
from warehouse.db import resolve_db_path
from warehouse.sessions import WarehouseBusy


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    kpis = sub.add_parser("kpis", help="the firm-level KPIs of a month or a range of days")
    kpis.add_argument("--period", help="YYYY-MM (or give --start and --end)")
    kpis.add_argument("--start", help="first day of the range, YYYY-MM-DD")
    kpis.add_argument("--end", help="last day of the range, YYYY-MM-DD (inclusive)")
    kpis.add_argument(
        "--as-of",
        help="count cash applied up to this day in collection realization (default: the end)",
    )
    kpis.add_argument("--client", action="append", default=[], help="only this client (repeatable)")
    kpis.add_argument("--team", action="append", default=[], help="only this team (repeatable)")
    kpis.add_argument("--format", choices=("json", "table"), default="table")
    kpis.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _text(value: object) -> object:
    """Decimals as strings (DESIGN: money as decimal strings), nested dicts too."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    return value


def to_json(
    filters: Filters, base_currency: str | None, kpis: dict[str, Kpi], as_of: date | None = None
) -> dict:
    return {
        "period": str(filters.last_month),
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "as_of": (as_of or filters.end).isoformat(),
        "base_currency": base_currency,
        "kpis": {
            key: {
                "label": k.label,
                "value": _text(k.value),
                "unit": k.unit,
                "target": _text(k.target),
                "status": k.status,
                "covers": k.covers,
                **_text(k.detail),
            }
            for key, k in kpis.items()
        },
    }


def _show(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit in ("money", "rate"):
        return f"{value:,.2f}{'/h' if unit == 'rate' else ''}"
    return f"{value} d"


def render_table(filters: Filters, base_currency: str | None, kpis: dict[str, Kpi]) -> str:
    out = [f"KPIs for {filters.label()} (amounts in {base_currency or 'base currency'})", ""]
    out.append(f"  {'KPI':<26} {'value':>14} {'target':>10}  status")
    for k in kpis.values():
        target = "" if k.target is None else _show(k.target, k.unit)
        out.append(f"  {k.label:<26} {_show(k.value, k.unit):>14} {target:>10}  {k.status or ''}")
    return "\n".join(out) + "\n"


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def range_filters(args: argparse.Namespace) -> tuple[Filters, date | None]:
    """The range the arguments name (a month, or --start..--end) and the --as-of day; a
    ValueError (one line for the user) when a date is malformed or the range inverted."""
    lists = {"clients": tuple(args.client), "teams": tuple(args.team)}
    as_of = None if args.as_of is None else _day(args.as_of, "--as-of")
    if args.period is not None:
        return Filters.month(Period.parse(args.period), **lists), as_of
    start, end = _day(args.start, "--start"), _day(args.end, "--end")
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    if as_of is not None and as_of < start:
        raise ValueError(f"--as-of {as_of} is before --start {start}")
    return Filters(start, end, **lists), as_of


@cli_errors
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.period is None) == (args.start is None and args.end is None):
        parser.error("kpis: give --period YYYY-MM, or --start DATE and --end DATE (not both)")
    if args.period is None and (args.start is None or args.end is None):
        parser.error("kpis: --start and --end go together")
    try:
        filters, as_of = range_filters(args)
        path = resolve_db_path(args.db)
        if not path.exists():
            raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
        with kpi_connection(path, last_day=max(filters.end, as_of or filters.end)) as con:
            check_known(con, "client", args.client)
            check_known(con, "team", args.team)
            base = con.execute("SELECT coalesce(max(base_currency), 'USD') FROM firm").fetchall()[
                0
            ][0]
            kpis = firm_kpis(con, filters, as_of=as_of)
    except WarehouseBusy:
        print("error: a load is writing to the warehouse right now; try again", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(json.dumps(to_json(filters, base, kpis, as_of), indent=2) + "\n")
    else:
        sys.stdout.write(render_table(filters, base, kpis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
