"""A full rules pass on the 600-person demo firm: each rule's time and the whole run.

Run: .venv/bin/python bench/bench_rules.py [--db PATH]   (the warehouse is copied, not changed)
Without --db it builds the demo firm (people 600) in a temp folder first (about 25 s).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules.engine import run_rules
from warehouse.db import connect

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--as-of", type=date.fromisoformat)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            subprocess.run(
                [sys.executable, "-m", "etl", "--db", str(db), "demo", "--people", "600"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        con = connect(db)
        entries = con.execute("SELECT count(*), max(date) FROM time_entries").fetchall()[0]
        as_of = args.as_of or date.fromordinal(entries[1].toordinal() + 7)
        for label in ("first run (all new)", "second run (nothing new)"):
            started = time.perf_counter()
            run = run_rules(con, as_of)
            total = time.perf_counter() - started
            print(
                f"{label}: {total:.2f} s for {entries[0]:,} entries, as of {as_of}; "
                f"{len(run.exceptions):,} exceptions {run.counts}"
            )
        for kind, seconds in sorted(run.seconds.items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<28} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
