"""`python -m demo OUT_DIR`: write a demo canonical folder (--manifest prints planted ids)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib

from .generate import generate
from .writer import write_firm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--people", type=int, default=24)
    parser.add_argument("--months", type=int, default=None)
    help_end = "first day of the last month of history (default: the last full month)"
    parser.add_argument("--end-month", type=dt.date.fromisoformat, default=None, help=help_end)
    help_as_of = "the demo's today: nothing is dated after it (default: today, or a week after"
    help_as_of += " --end-month)"
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help=help_as_of)
    parser.add_argument(
        "--manifest", action="store_true", help="print the planted problems as JSON"
    )
    args = parser.parse_args(argv)
    try:
        firm = generate(args.seed, args.people, args.months, args.end_month, args.as_of)
    except ValueError as err:  # sizes or dates the demo cannot use; a bad BILLING_TODAY
        parser.error(str(err))
    counts = write_firm(firm, args.out_dir)
    if args.manifest:
        print(json.dumps(firm.manifest, indent=2, ensure_ascii=False))
    else:
        for name, rows in counts.items():
            print(f"{name:22} {rows:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
