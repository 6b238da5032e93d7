"""Open groups on the Exceptions page's default view (issue 17): how many findings are open, how
many groups they make, how many the default view (high and medium groups) shows, and how long
reading the groups takes. Build the warehouse as `make run` does:

    python -m etl --db W demo --people N --as-of 2026-11-07
    python -m billing --db W ar-sync && python -m rules --db W run --as-of 2026-11-07
    .venv/bin/python bench/bench_exception_groups.py --db W --as-of 2026-11-07 [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from exception_queue.findings import group_counts, group_page, groups
from read_models.exception_review import DEFAULT_SEVERITIES
from warehouse.sessions import read_only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with read_only(args.db) as con:
        (open_count,) = con.execute(
            "SELECT count(*) FROM exceptions WHERE status = 'open'"
        ).fetchall()[0]
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            every = groups(con, as_of=args.as_of)
            seconds.append(time.perf_counter() - started)
        stored = []  # what the page reads now: a page of groups and one aggregate of counts
        for _ in range(args.runs):
            started = time.perf_counter()
            page = group_page(con, as_of=args.as_of, severities=list(DEFAULT_SEVERITIES), limit=500)
            group_counts(con, as_of=args.as_of)
            stored.append(time.perf_counter() - started)
    shown = every.filter(every["severity"].is_in(list(DEFAULT_SEVERITIES)))
    assert page["group_key"].to_list() == shown["group_key"].head(500).to_list()
    print(f"open findings            {open_count:>9,}")
    print(f"open groups (all)        {every.height:>9,}")
    print(f"default view (high+med.) {shown.height:>9,}")
    for severity in ("high", "medium", "low"):
        print(f"  {severity:<22} {(every['severity'] == severity).sum():>9,}")
    top = shown.head(1).row(0, named=True) if shown.height else None
    if top:
        print(
            f"biggest group            {top['group_label']} ({top['kind']}), {top['amount_base']}"
        )
    print(
        f"groups() read            min {min(seconds):.2f} s, median "
        f"{statistics.median(seconds):.2f} s over {args.runs} runs"
    )
    print(
        f"stored page + counts     min {min(stored):.3f} s, median "
        f"{statistics.median(stored):.3f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
