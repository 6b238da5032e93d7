"""AR on the 600-person demo firm: `billing aging` as of a date over every invoice and payment
of two years (goal < 1 s), the `billing aging` CLI end to end, and the AR page's two reads cold
(first call in a fresh process state) and warm (Streamlit's cache answers).

Run: .venv/bin/python bench/bench_aging.py [--db PATH]   (the warehouse is copied, not changed)
Without --db it builds the demo firm (people 600) in a temp folder first (about 25 s).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from billing.ar.aging import aging, aging_from_ledger
from billing.ar.ledger import build_ledger
from metrics.filters import Filters
from read_models import ar_page
from warehouse.db import connect
from warehouse.sessions import read_only

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def timed(fn, runs: int = RUNS) -> tuple[float, object]:
    """Median seconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
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
        connect(db).close()  # brings a copied older warehouse to the current schema
        with read_only(db) as con:
            counts = con.execute(
                "SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM "
                "payments), (SELECT max(date) FROM payments)"
            ).fetchall()[0]
            as_of = counts[2] + timedelta(days=1)
            print(f"{counts[0]:,} invoices, {counts[1]:,} payments; as of {as_of}")
            seconds, report = timed(lambda: aging(con, as_of))
            print(
                f"aging as of a date (read + match + age): {seconds * 1000:7.1f} ms median "
                f"of {RUNS}, {len(report.rows):,} open invoices"
            )
            seconds, ledger = timed(lambda: build_ledger(con))
            print(f"  of which read + match (build_ledger):  {seconds * 1000:7.1f} ms")
            seconds, _ = timed(lambda: aging_from_ledger(ledger, date(2025, 6, 30)))
            print(f"  another date on the same ledger:       {seconds * 1000:7.1f} ms")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "billing",
                "--db",
                str(db),
                "aging",
                "--as-of",
                as_of.isoformat(),
                "--format",
                "json",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        print(
            f"`python -m billing aging --format json` end to end: "
            f"{time.perf_counter() - started:.2f} s (with interpreter start)"
        )
        filters = Filters.month(f"{as_of:%Y-%m}")
        for name, read in (
            (
                "leadership view (KPIs, trend, by client, list)",
                lambda: ar_page.leadership_view(filters, db),
            ),
            ("weekly review view", lambda: ar_page.review_view(as_of, (), db)),
        ):
            started = time.perf_counter()
            read()
            cold = time.perf_counter() - started
            uncached, _ = timed(read)
            cached = st.cache_data(show_spinner=False)(lambda stamp, read=read: read())
            cached(name)
            warm, _ = timed(lambda cached=cached, name=name: cached(name))
            print(
                f"AR page, {name}: cold {cold * 1000:.0f} ms, warm (st.cache_data hit) "
                f"{warm * 1000:.1f} ms, recomputed {uncached * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
