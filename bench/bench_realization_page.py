"""Times the Realization & margin page's reads on a big warehouse (goal: < 2 s cold, < 300 ms
warm per page).

cold = a fresh process opens a fresh read-only connection, prepares it (TEMP marts, FX day
       table, holidays) and runs read_models.realization_view.read_page, as the first view of a
       range does;
warm = what a rerun costs once the read is cached: st.cache_data unpickles the cached value
       (pickle round trip here) and the page shapes it (headline, waterfall both ways, rows
       behind a step, margin and burn tables, the biggest project's entries).

    .venv/bin/python bench/bench_realization_page.py --db /tmp/re600.duckdb --period 2026-09
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _filters(grain: str, period: str):
    from metrics.filters import Filters

    return Filters.quarter_to(period) if grain == "quarter" else Filters.month(period)


def cold(db: str, grain: str, period: str) -> dict:
    """One cold read in this (fresh) process: connection + prepare + read_page."""
    t0 = time.perf_counter()
    from metrics.session import kpi_connection
    from read_models import realization_view as rv

    filters = _filters(grain, period)
    t1 = time.perf_counter()
    with kpi_connection(db, last_day=filters.end) as con:
        t2 = time.perf_counter()
        data = rv.read_page(con, filters)
        t3 = time.perf_counter()
    return {
        "imports_s": t1 - t0,
        "connect_prepare_s": t2 - t1,
        "read_page_s": t3 - t2,
        "cold_s": time.perf_counter() - t1,
        "entries": data.entries.height,
    }


def warm(db: str, grain: str, period: str, repeat: int = 5) -> dict:
    from metrics.kpis import summarize_realization
    from metrics.session import kpi_connection
    from read_models import realization_view as rv

    filters = _filters(grain, period)
    with kpi_connection(db, last_day=filters.end) as con:
        cached = pickle.dumps(rv.read_page(con, filters))
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        data = pickle.loads(cached)
        summarize_realization(data.entries)
        rv.waterfall(data.entries)
        rv.waterfall(data.entries, now=True)
        rv.waterfall_step_by_project(data.entries, "Write-downs & discounts")
        rv.margin_table(data.margin)
        rv.burn_table(data.burn)
        top = data.projects["project_id"][0] if data.projects.height else None
        if top:
            rv.project_entries(data.entries, top)
            rv.project_cost(data.margin_people, top)
        times.append(time.perf_counter() - t)
    return {"warm_s": min(times), "warm_max_s": max(times), "cached_mb": len(cached) / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/re600.duckdb")
    parser.add_argument("--period", default="2026-09")
    parser.add_argument("--grains", default="month,quarter")
    parser.add_argument(
        "--cold-child", nargs=2, metavar=("GRAIN", "PERIOD"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.cold_child:
        print(json.dumps(cold(args.db, *args.cold_child)))
        return 0
    for grain in args.grains.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--db", args.db, "--cold-child", grain, args.period],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        c = json.loads(out.stdout.strip().splitlines()[-1])
        w = warm(args.db, grain, args.period)
        print(
            f"{grain:8} {args.period}: {c['entries']:>7,} entries | cold {c['cold_s']:.2f} s "
            f"(connect+prepare {c['connect_prepare_s']:.2f} s, read_page {c['read_page_s']:.2f} s;"
            f" imports {c['imports_s']:.2f} s, paid once per server) | warm "
            f"{w['warm_s'] * 1000:.0f} ms (max {w['warm_max_s'] * 1000:.0f} ms, cached value "
            f"{w['cached_mb']:.1f} MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
