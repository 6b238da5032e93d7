"""Times demo.write_demo_folder for a big firm (generation + CSV writing, no import).

Run: .venv/bin/python bench/bench_demo_generate.py [--people 600] [--seed 7] [--months N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from demo import write_demo_folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--months", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        counts = write_demo_folder(
            Path(tmp), seed=args.seed, people=args.people, months=args.months
        )
        elapsed = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    for name, rows in counts.items():
        print(f"{name:22} {rows:>10,}")
    print(f"total rows {sum(counts.values()):,}, {size_mb:.0f} MB written")
    print(f"write_demo_folder(people={args.people}): {elapsed:.2f} s")


if __name__ == "__main__":
    main()
