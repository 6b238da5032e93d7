"""The growth table (docs/benchmarks.md): whole commands at several firm sizes, the code before
and after a change interleaved in one run (the machine is shared, so only same-run comparisons
mean anything), min / median / max of N runs, and the fitted exponent k of time ~ entries^k
(least squares on the log of the medians; k = 1 is linear).

Run: .venv/bin/python bench/bench_growth.py --db 150=/tmp/w150.duckdb --db 600=/tmp/w600.duckdb
         [--folder 150=/tmp/f150 --folder 600=/tmp/f600] [--before /path/to/old/checkout]
         [--before-db 150=/tmp/w150-old.duckdb ...]  (the before code's own copies)
         [--steps demo,import,draft,rules,classify,kpis,pages] [--runs 3]
Build each warehouse once with `python -m etl --db PATH demo --people N --as-of 2026-11-07
--keep-files FOLDER` (the folder is what `import` loads). Steps that write (rules, classify) run
on a fresh copy each time; the copy is not timed. `demo` builds a new warehouse each run; `import`
loads the whole canonical folder into an empty warehouse (the demo minus generating it). `pages`
runs bench/bench_pages_browser.py once per size (one fresh server per run; its own figures).
Every line carries the 1-minute load average when its runs started: the machine is shared.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STEPS: dict[str, tuple[bool | str, list[str]]] = {  # step -> (writes, arguments after --db PATH)
    "demo": ("new", ["-m", "etl", "{db}", "demo", "--people", "{people}", "--as-of", "{as_of}"]),
    "import": ("new", ["-m", "etl", "{db}", "import", "canonical", "{folder}"]),
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


def _command(code: Path, step: str, db: Path, out: Path, args, people: int = 0) -> list[str]:
    values = {"period": args.period, "as_of": args.as_of, "out": str(out), "people": people}
    values["folder"] = args.folders.get(people, "")
    argv = []
    for part in STEPS[step][1]:
        if part == "{db}":
            argv += ["--db", str(db)]
        else:
            argv.append(part.format(**values))
    return [str(code / ".venv" / "bin" / "python"), *argv]


def run_once(code: Path, step: str, db: Path, tmp: Path, args, people: int = 0) -> float:
    target = db
    if STEPS[step][0]:
        target = tmp / "copy.duckdb"
        if STEPS[step][0] == "new":
            target.unlink(missing_ok=True)
        else:
            shutil.copy(db, target)
    started = time.perf_counter()
    subprocess.run(
        _command(code, step, target, tmp / "out.json", args, people),
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
    parser.add_argument(
        "--before-db",
        action="append",
        default=[],
        help="PEOPLE=PATH the --before code reads instead of --db's (when the two versions keep "
        "a different schema or snapshot; each must be current for its own code)",
    )
    parser.add_argument("--folder", action="append", default=[], help="PEOPLE=canonical folder")
    parser.add_argument("--steps", default="demo,import,draft,rules,classify,kpis")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--as-of", default="2026-11-07")
    args = parser.parse_args()
    dbs = sorted(((int(n), Path(p)) for n, p in (d.split("=", 1) for d in args.db)))
    args.folders = {int(n): p for n, p in (f.split("=", 1) for f in args.folder)}
    before_dbs = {int(n): Path(p) for n, p in (d.split("=", 1) for d in args.before_db)}
    codes = {"after": ROOT} | ({"before": Path(args.before)} if args.before else {})
    order = ["before", "after"] if args.before else ["after"]
    with tempfile.TemporaryDirectory() as tmp:
        for step in args.steps.split(","):
            if step == "pages":
                pages(codes, dbs, args)
                continue
            medians: dict[str, list[float]] = {label: [] for label in order}
            sizes = [(p, db) for p, db in dbs if step != "import" or p in args.folders]
            for people, db in sizes:
                times: dict[str, list[float]] = {label: [] for label in order}
                load = os.getloadavg()[0]
                for _ in range(args.runs):
                    for label in order:  # interleaved: before, after, before, after...
                        read = before_dbs.get(people, db) if label == "before" else db
                        seconds = run_once(codes[label], step, read, Path(tmp), args, people)
                        times[label].append(seconds)
                for label in order:
                    ts = times[label]
                    medians[label].append(statistics.median(ts))
                    print(
                        f"{step:<9} {people:>5} people  {label:<6} min {min(ts):6.2f}  "
                        f"median {statistics.median(ts):6.2f}  max {max(ts):6.2f} s  "
                        f"(load {load:.1f} to {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
            for label in order:
                k = exponent([p for p, _ in sizes], medians[label])
                print(f"{step:<9} {label:<6} exponent k = {k:.2f}" if k is not None else "")
            print(flush=True)


def pages(codes: dict[str, Path], dbs: list[tuple[int, Path]], args) -> None:
    """The browser benchmark at each size (its own before/after interleaving and figures)."""
    for people, db in dbs:
        argv = [
            str(ROOT / ".venv" / "bin" / "python"),
            str(ROOT / "bench" / "bench_pages_browser.py"),
            "--db",
            str(db),
            "--runs",
            str(args.runs),
        ]
        if "before" in codes:
            argv += ["--before", str(codes["before"])]
        print(f"pages     {people:>5} people  (load {os.getloadavg()[0]:.1f})", flush=True)
        subprocess.run(argv, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
