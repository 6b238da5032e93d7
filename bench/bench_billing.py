"""Drafting every invoice of one month on the 600-person demo firm (`billing draft`).

Run: .venv/bin/python bench/bench_billing.py [--db PATH] [--period YYYY-MM]
Without --db it builds the demo firm (people 600) in a temp folder first (about 25 s).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.draft import draft_period
from billing.period import Period
from warehouse.db import connect

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--period")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "warehouse.duckdb"
        if not args.db:
            subprocess.run(
                [sys.executable, "-m", "etl", "--db", str(db), "demo", "--people", "600"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        con = connect(db)
        last = con.execute("SELECT max(date) FROM time_entries").fetchall()[0][0]
        period = Period.parse(args.period) if args.period else Period.of(last)
        entries = con.execute(
            "SELECT count(*) FROM time_entries WHERE date BETWEEN ? AND ?",
            [period.start, period.end],
        ).fetchall()[0][0]
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            draft = draft_period(con, period)
            runs.append(time.perf_counter() - started)
        lines = sum(len(i.lines) for i in draft.invoices)
        con.close()
        print(f"period {period}: {entries:,} time entries in the month")
        print(f"draft_period: {min(runs):.2f} s best of 3 ({', '.join(f'{r:.2f}' for r in runs)})")
        print(f"{len(draft.invoices)} invoices, {lines} lines, {len(draft.exceptions)} exceptions")
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "billing",
                "--db",
                str(db),
                "draft",
                "--period",
                str(period),
                "--format",
                "json",
                "--out",
                str(Path(tmp) / "d.json"),
            ],
            cwd=ROOT,
            check=True,
        )
        print(
            f"python -m billing draft (whole command, new process): {time.perf_counter() - t:.2f} s"
        )


if __name__ == "__main__":
    main()
