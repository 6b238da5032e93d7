"""`python -m metrics kpis --period YYYY-MM`: the firm-level KPIs of a month as JSON or a table.

Exit codes (DESIGN.md): 0 success, 1 user error (one line on stderr, no traceback), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal

from billing.period import Period
from etl.cli_errors import check_known, cli_errors
from etl.warehouse import resolve_db_path
from metrics.filters import Filters
from metrics.kpis import Kpi, firm_kpis
from metrics.reader import WarehouseBusy
from metrics.session import kpi_connection


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    kpis = sub.add_parser("kpis", help="the firm-level KPIs of a month")
    kpis.add_argument("--period", required=True, help="YYYY-MM")
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


def to_json(filters: Filters, base_currency: str | None, kpis: dict[str, Kpi]) -> dict:
    return {
        "period": str(filters.last_month),
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "base_currency": base_currency,
        "kpis": {
            key: {
                "label": k.label,
                "value": _text(k.value),
                "unit": k.unit,
                "target": _text(k.target),
                "status": k.status,
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


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        period = Period.parse(args.period)
        filters = Filters.month(period, clients=tuple(args.client), teams=tuple(args.team))
        path = resolve_db_path(args.db)
        if not path.exists():
            raise ValueError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
        with kpi_connection(path) as con:
            check_known(con, "client", args.client)
            check_known(con, "team", args.team)
            base = con.execute("SELECT max(base_currency) FROM firm").fetchall()[0][0]
            kpis = firm_kpis(con, filters)
    except WarehouseBusy:
        print("error: a load is writing to the warehouse right now; try again", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(json.dumps(to_json(filters, base, kpis), indent=2) + "\n")
    else:
        sys.stdout.write(render_table(filters, base, kpis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
