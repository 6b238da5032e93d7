"""What keeping the findings' groups as a table (exception_groups, migration 016) costs the write
paths: a rules run marks every finding it saw (its touch and refresh over all of them), a
decision marks its few findings, the tracker sync one finding at a time. Each is timed inside
a transaction that is rolled back, so the warehouse is left as it was (still: run it on a copy).

    cp /work/bench/w600r.duckdb /tmp/w.duckdb
    .venv/bin/python bench/bench_stored_groups_refresh.py --db /tmp/w.duckdb [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from warehouse import exception_groups
from warehouse.db import connect


def _timed(con, action, runs: int) -> list[float]:
    """`action(con)` in a transaction rolled back afterwards, `runs` times."""
    seconds = []
    for _ in range(runs):
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            started = time.perf_counter()
            action(con)
            seconds.append(time.perf_counter() - started)
        finally:
            con.execute("ROLLBACK").fetchall()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    con = connect(args.db)  # migrates and builds the table when the copy has none
    try:
        findings, groups = con.execute(
            "SELECT (SELECT count(*) FROM exceptions), (SELECT count(*) FROM exception_groups)"
        ).fetchall()[0]
        one = con.execute(
            "SELECT exception_id FROM exceptions WHERE status = 'open' ORDER BY exception_id "
            "LIMIT 1"
        ).fetchall()[0][0]

        def every(c) -> None:  # what sync_exceptions does for a whole rules run
            exception_groups.touch(c, "SELECT exception_id FROM exceptions")
            exception_groups.refresh(c)

        def decision(c) -> None:  # what a decision on one finding adds
            exception_groups.touch_ids(c, [one])
            exception_groups.refresh(c)

        def rebuild(c) -> None:  # what opening a warehouse without the table does once
            exception_groups.rebuild_in(c)

        print(f"findings {findings:,}, stored group rows {groups:,}")
        for name, action in (
            ("rebuild (first open)", rebuild),
            ("touch + refresh, all", every),
            ("touch + refresh, one", decision),
        ):
            seconds = _timed(con, action, args.runs)
            print(
                f"{name:<22} min {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s"
                f" over {args.runs} runs"
            )
    finally:
        con.close()


if __name__ == "__main__":
    main()
