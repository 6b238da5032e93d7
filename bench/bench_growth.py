"""The growth table (docs/benchmarks.md): whole commands at several firm sizes, the code before
and after a change interleaved in one run (the machine is shared, so only same-run comparisons
mean anything), min / median / max of N runs, and the fitted exponent k of time ~ entries^k
(least squares on the log of the medians; k = 1 is linear).

Run: .venv/bin/python bench/bench_growth.py --db 150=/tmp/w150.duckdb --db 600=/tmp/w600.duckdb
         [--before /path/to/old/checkout] [--steps draft,rules,classify,kpis] [--runs 3]
Build each warehouse once with `python -m etl --db PATH demo --people N --as-of 2026-11-07`.
Steps that write (rules, classify) run on a fresh copy each time; the copy is not timed.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STEPS: dict[str, tuple[bool, list[str]]] = {  # step -> (writes, arguments after --db PATH)
    "draft": (
        False,
        [
            "-m",
            "billing",
            "{db}",
            "draft",
            "--period",
            "{period}",
            "--format",
            "json",
            "--out",
            "{out}",
        ],
    ),
    "rules": (True, ["-m", "rules", "{db}", "run", "--as-of", "{as_of}", "--format", "json"]),
    "classify": (
        True,
        [
            "-m",
            "rules",
            "{db}",
            "classify",
            "--llm",
            "off",
            "--as-of",
            "{as_of}",
            "--format",
            "json",
        ],
    ),
    "kpis": (False, ["-m", "metrics", "{db}", "kpis", "--period", "{period}"]),
}


def _command(code: Path, step: str, db: Path, out: Path, args) -> list[str]:
    values = {"period": args.period, "as_of": args.as_of, "out": str(out)}
    argv = []
    for part in STEPS[step][1]:
        if part == "{db}":
            argv += ["--db", str(db)]
        else:
            argv.append(part.format(**values))
    return [str(code / ".venv" / "bin" / "python"), *argv]


def run_once(code: Path, step: str, db: Path, tmp: Path, args) -> float:
    target = db
    if STEPS[step][0]:
        target = tmp / "copy.duckdb"
        shutil.copy(db, target)
    started = time.perf_counter()
    subprocess.run(
        _command(code, step, target, tmp / "out.json", args),
        cwd=code,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    if target != db:
        target.unlink()
    return seconds


def exponent(sizes: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) on log(size)."""
    if len(sizes) < 2:
        return None
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", required=True, help="PEOPLE=PATH")
    parser.add_argument("--before", help="another checkout to time first in every round")
    parser.add_argument("--steps", default="draft,rules,classify,kpis")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--as-of", default="2026-11-07")
    args = parser.parse_args()
    dbs = sorted(((int(n), Path(p)) for n, p in (d.split("=", 1) for d in args.db)))
    codes = {"after": ROOT} | ({"before": Path(args.before)} if args.before else {})
    order = ["before", "after"] if args.before else ["after"]
    with tempfile.TemporaryDirectory() as tmp:
        for step in args.steps.split(","):
            medians: dict[str, list[float]] = {label: [] for label in order}
            for people, db in dbs:
                times: dict[str, list[float]] = {label: [] for label in order}
                for _ in range(args.runs):
                    for label in order:  # interleaved: before, after, before, after...
                        times[label].append(run_once(codes[label], step, db, Path(tmp), args))
                for label in order:
                    ts = times[label]
                    medians[label].append(statistics.median(ts))
                    print(
                        f"{step:<9} {people:>5} people  {label:<6} min {min(ts):6.2f}  "
                        f"median {statistics.median(ts):6.2f}  max {max(ts):6.2f} s",
                        flush=True,
                    )
            for label in order:
                k = exponent([p for p, _ in dbs], medians[label])
                print(f"{step:<9} {label:<6} exponent k = {k:.2f}" if k is not None else "")
            print(flush=True)


if __name__ == "__main__":
    main()
