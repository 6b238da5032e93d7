"""How fast hostile YAML is refused: a 1 KB alias bomb (10**9 scalars once expanded) and
10,000 levels of nesting, each best of five. The tests check that they are refused, this
prints how fast (docs/benchmarks.md).

Run: .venv/bin/python bench/bench_yaml.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from etl.yaml_nodes import YamlRefused, parse_yaml


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return "\n".join([*lines, "contracts: [*a8]"]) + "\n"


CASES = {
    "alias bomb (1 KB)": alias_bomb(),
    "10,000 nested [": "contracts: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "10,000 nested {a:": "name: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n",
}


def main() -> None:
    for name, text in CASES.items():
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            try:
                parse_yaml(text)
            except YamlRefused:
                pass
            else:
                raise SystemExit(f"{name}: not refused")
            best = min(best, time.perf_counter() - started)
        print(f"{name:<22} refused in {best * 1000:8.2f} ms (best of 5)")


if __name__ == "__main__":
    main()
