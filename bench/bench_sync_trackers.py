"""`etl sync --source harvest` against the fake Harvest v2 server over real HTTP on 127.0.0.1.

A warehouse already synced with `--history-days` days of a firm of `--people` people (5 entries
per person a day) gets a day of changes: `--entries` entries (9 in 10 new, 1 in 10 edits of
earlier ones). Prints the wall time, requests and rows of that run (the first of the day, so it
includes the daily reconciliation listing of the last 31 days), then of an unchanged second
run. Run: .venv/bin/python bench/bench_sync_trackers.py [--people 600] [--entries 3000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.sync.run import SyncContext, run_sync
from etl.sync.settings import Settings
from tests.support.fake_trackers import FakeHarvest, harvest_entry, serve
from warehouse.db import connect

CLIENTS = 40
PROJECTS_PER_CLIENT = 3
TASKS = ("Development", "Design", "Meetings", "QA")


def entry(i: int, day: date, person: int, stamp: str, hours: float) -> dict:
    client = person % CLIENTS
    project = (person // CLIENTS + i) % PROJECTS_PER_CLIENT
    return harvest_entry(
        i,
        day.isoformat(),
        hours,
        user=f"Person {person:03d}",
        client=f"Client {client:02d}",
        project=f"Project {client:02d}-{project}",
        code=f"C{client:02d}-{project}",
        task=TASKS[i % len(TASKS)],
        notes=f"work item {i % 97}",
        updated_at=stamp,
    )


def stamp(day: date, i: int) -> str:
    """An updated_at of `day` between 08:00 and 18:00, to the second, different per entry."""
    seconds = 8 * 3600 + (i * 7919) % 36000
    return f"{day}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def run(db: Path, base: str, label: str) -> None:
    settings = Settings(
        {
            "HARVEST_ACCESS_TOKEN": "good-token",
            "HARVEST_ACCOUNT_ID": "123",
            "HARVEST_BASE_URL": f"{base}/v2",
        }
    )
    con = connect(db)
    try:
        started = time.perf_counter()
        report = run_sync(con, "harvest", SyncContext(settings=settings))
        elapsed = time.perf_counter() - started
    finally:
        con.close()
    new = sum(s.new for s in report.load.entities if s.entity == "time_entries")
    updated = sum(s.updated for s in report.load.entities if s.entity == "time_entries")
    print(
        f"{label:<28} {elapsed:6.2f} s  {report.requests:3d} requests  "
        f"{report.fetched:6,} fetched  {new:6,} new  {updated:5,} updated entries"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--history-days", type=int, default=4)
    args = parser.parse_args()
    today = date(2026, 11, 9)
    fake = FakeHarvest()
    n = 0
    for back in range(args.history_days, 0, -1):
        day = today - timedelta(days=back)
        for p in range(args.people):
            for _ in range(5):
                n += 1
                fake.put(entry(n, day, p, stamp(day, n), 1.5))
    with tempfile.TemporaryDirectory() as tmp, serve(fake) as base:
        db = Path(tmp) / "warehouse.duckdb"
        os.environ["BILLING_TODAY"] = (today - timedelta(days=1)).isoformat()
        print(f"history: {n:,} entries of {args.people} people")
        run(db, base, "history (setup)")
        os.environ["BILLING_TODAY"] = today.isoformat()
        edits = args.entries // 10
        for k in range(edits):  # edits of earlier entries, spread over the history
            old = fake.entries[1 + (k * 7919) % n]
            fake.put(old | {"hours": 2.25, "updated_at": stamp(today, k)})
        for k in range(args.entries - edits):
            n += 1
            fake.put(entry(n, today, k % args.people, stamp(today, n), 0.75))
        before = len(fake.seen)
        run(db, base, f"a day of changes ({args.entries:,})")
        print(f"  server saw {len(fake.seen) - before} requests")
        before = len(fake.seen)
        run(db, base, "unchanged second run")
        print(f"  server saw {len(fake.seen) - before} requests")


if __name__ == "__main__":
    main()
