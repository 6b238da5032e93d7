"""`etl import` of the demo firm's time entries against DuckDB's own read_csv floor, same file,
same run (the ratio is what survives a shared machine's noise).

The demo folder is written once (`--people`, default 600: 1.49 M entries, 242 MB). Its reference
files (people, projects, contracts...) are imported once into a base warehouse; each round then
copies that warehouse (not timed) and times, back to back:

* floor:   `SELECT count(*) FROM read_csv(time_entries.csv)` in a fresh DuckDB connection;
* import:  `python -m etl --db COPY import canonical FOLDER` (whole command, new process) on a
           folder holding only time_entries.csv;
* fixed:   the same command on a folder of 15 time entries (the per-command cost: interpreter,
           imports, warehouse open, audit row);
* in-process: `import_canonical` of the same folder, timed inside one process (the command
           minus its fixed cost); `--profile PATH` adds one untimed run under cProfile.
* validation done after: how long after each command returned its load's great-expectations
           validation (a detached process since issue 19) had finished; 0 for a checkout that
           validates inside the import. The next round waits for it.

Run: .venv/bin/python bench/bench_import_demo.py [--people 600] [--runs 3] [--folder DIR]
         [--before OTHER_CHECKOUT] [--profile OUT.prof]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))

# The dialect the import's own fast read states (the sniffer alone misreads the demo's quoted
# notes); everything else is DuckDB's default.
FLOOR = (
    """SELECT count(*) FROM read_csv(?, header = true, delim = ',', quote = '"', escape = '"')"""
)

IN_PROCESS = """
import sys, time
from pathlib import Path
from etl.loader import import_canonical
from warehouse.db import connect
con = connect(sys.argv[1])
started = time.perf_counter()
if len(sys.argv) > 3:
    import cProfile
    cProfile.run("import_canonical(con, Path(sys.argv[2]))", sys.argv[3])
else:
    import_canonical(con, Path(sys.argv[2]))
print(time.perf_counter() - started)
"""


def prepare(folder: Path, people: int, work: Path) -> tuple[Path, Path, Path]:
    """(base warehouse with the reference files, folder of the entries, folder of 15 entries)."""
    from demo import write_demo_folder
    from etl.loader import import_canonical
    from warehouse.db import connect

    if not (folder / "time_entries.csv").exists():
        write_demo_folder(folder, people=people, as_of=dt.date(2026, 11, 7))
    ref, entries, small = work / "ref", work / "entries", work / "small"
    for d in (ref, entries, small):
        d.mkdir()
    for f in folder.iterdir():
        if f.name != "time_entries.csv":
            os.symlink(f, ref / f.name)
    os.symlink(folder / "time_entries.csv", entries / "time_entries.csv")
    with (folder / "time_entries.csv").open() as src:
        head = [next(src) for _ in range(16)]
    (small / "time_entries.csv").write_text("".join(head))
    base = work / "base.duckdb"
    con = connect(base)
    import_canonical(con, ref)
    con.close()
    return base, entries, small


def floor_seconds(csv_path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(FLOOR, [str(csv_path)]).fetchall()
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


SETTLED_SQL = """
SELECT count(*) FROM load_validation
WHERE status IN ('pending', 'running') AND load_id = (SELECT max(load_id) FROM load_log)
"""


def validation_settled_seconds(copy: Path, limit: float = 600.0) -> float:
    """Seconds from now until the load's great-expectations validation has finished (a checkout
    with load_validation validates after the commit, in a detached process by default): 0 for
    a checkout that validates inside the import. Polled every 50 ms."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        try:
            con = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error:  # the validator holds the file
            time.sleep(0.05)
            continue
        try:
            waiting = con.execute(SETTLED_SQL).fetchall()[0][0]
        except duckdb.CatalogException:
            return 0.0
        finally:
            con.close()
        if not waiting:
            return time.perf_counter() - started
        time.sleep(0.25)  # leave the validator its turns at the file
    raise RuntimeError(f"{copy}: validation not finished after {limit:.0f}s")


def command_seconds(
    base: Path, folder: Path, work: Path, code: Path = ROOT, settled: list | None = None
) -> float:
    """The whole command in a new process (what a person waits for); `settled` gets the
    seconds its validation took to finish after the command returned."""
    copy = work / "copy.duckdb"
    shutil.copy(base, copy)
    argv = [PYTHON, "-m", "etl", "--db", str(copy), "import", "canonical", str(folder)]
    env = {k: v for k, v in os.environ.items() if k != "ETL_VALIDATE"}  # the default mode
    started = time.perf_counter()
    subprocess.run(argv, cwd=code, check=True, stdout=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - started
    after = validation_settled_seconds(copy)  # never let a validator run into the next round
    if settled is not None:
        settled.append(after)
    copy.unlink()
    return elapsed


def in_process_seconds(
    base: Path, folder: Path, work: Path, profile: str | None, code: Path = ROOT
) -> float:
    copy = work / "copy.duckdb"
    shutil.copy(base, copy)
    argv = [PYTHON, "-c", IN_PROCESS, str(copy), str(folder), *([profile] if profile else [])]
    out = subprocess.run(argv, cwd=code, check=True, capture_output=True, text=True).stdout
    copy.unlink()
    return float(out.split()[-1])


def _line(label: str, values: list[float], floor: list[float] | None = None) -> str:
    text = (
        f"{label:<34} min {min(values):6.2f}  median {statistics.median(values):6.2f}  "
        f"max {max(values):6.2f} s"
    )
    if floor:
        ratios = [v / f for v, f in zip(values, floor)]
        text += (
            f"   ratio to floor min {min(ratios):.2f}x  median {statistics.median(ratios):.2f}x"
            f"  max {max(ratios):.2f}x"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", help="the demo folder (written there when missing)")
    parser.add_argument("--profile", help="cProfile dump of one extra in-process import")
    parser.add_argument("--before", help="another checkout, timed before this one in every round")
    args = parser.parse_args()
    codes = {"after": ROOT} | ({"before": Path(args.before)} if args.before else {})
    order = ["before", "after"] if args.before else ["after"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = Path(args.folder) if args.folder else work / "demo"
        base, entries, small = prepare(folder, args.people, work)
        rows = sum(1 for _ in (entries / "time_entries.csv").open()) - 1
        floor: list[float] = []
        kinds = ("command", "in", "fixed", "settled", "fixed settled")
        times = {(label, kind): [] for label in order for kind in kinds}
        loads = []
        for _ in range(args.runs):  # interleaved: floor, before, after, floor, before, after...
            loads.append(os.getloadavg()[0])
            floor.append(floor_seconds(entries / "time_entries.csv"))
            for label in order:
                code = codes[label]
                settled = times[label, "settled"]
                times[label, "command"].append(command_seconds(base, entries, work, code, settled))
                settled = times[label, "fixed settled"]
                times[label, "fixed"].append(command_seconds(base, small, work, code, settled))
                times[label, "in"].append(in_process_seconds(base, entries, work, None, code))
        if args.profile:  # an extra run: profiling slows what it measures
            in_process_seconds(base, entries, work, args.profile)
        print(
            f"time_entries.csv: {rows:,} rows ({args.people} people), load average at each "
            f"round {', '.join(f'{x:.1f}' for x in loads)}, now {os.getloadavg()[0]:.1f}"
        )
        print(_line("floor: count(*) FROM read_csv", floor))
        for label in order:
            print(_line(f"{label}: etl import canonical", times[label, "command"], floor))
            print(_line(f"{label}: import_canonical in-process", times[label, "in"], floor))
            print(_line(f"{label}: etl import of 15 entries", times[label, "fixed"]))
            print(_line(f"{label}: validation done after the big command", times[label, "settled"]))
            print(
                _line(f"{label}: validation done after 15 entries", times[label, "fixed settled"])
            )


if __name__ == "__main__":
    main()
