"""Parse speed of the per-row timesheet exports: 100,000 rows of each shipped sample repeated
(notes numbered so every entry is distinct), best of three, parse only (no warehouse). Toggl,
parsed by the older common.parse_user_export, is the baseline. Figures go in
docs/benchmarks.md.

Run: .venv/bin/python bench/bench_timesheet_exports.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from etl.exports import parse_export

SAMPLES = ROOT / "data" / "samples"
ROWS = 100_000
CASES = {
    "toggl-csv (baseline)": ("toggl-csv", "toggl_detailed_report.csv", 1, "Description"),
    "clockify-csv, durations": ("clockify-csv", "clockify_detailed_report.csv", 1, ""),
    "clockify-csv, start/end only": ("clockify-csv", "clockify_start_end_report.csv", 1, ""),
    "freshbooks-csv": ("freshbooks-csv", "freshbooks_time_entries.csv", 5, ""),
    "hubstaff-csv": ("hubstaff-csv", "hubstaff_timesheet.csv", 1, ""),
    "odoo-csv": ("odoo-csv", "odoo_timesheets.csv", 1, ""),
}


def big_file(folder: Path, sample: str, header_line: int) -> Path:
    lines = (SAMPLES / sample).read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[header_line - 1], lines[header_line:]
    rows = [r for r in rows if not r.startswith("Total")]
    # a distinct entry per row: append a counter to the first cell that holds a letter-only
    # description is not portable, so number the person instead (a new person per 1,000 rows)
    body = []
    for i in range(ROWS):
        row = rows[i % len(rows)]
        body.append(
            row.replace("Ruiz", f"Ruiz{i // 1000}")
            .replace("Blake", f"Blake{i // 1000}")
            .replace("Okafor", f"Okafor{i // 1000}")
            .replace("Novak", f"Novak{i // 1000}")
            .replace("Karim", f"Karim{i // 1000}")
            .replace("Chen", f"Chen{i // 1000}")
        )
    path = folder / sample
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, sample, header_line, _) in CASES.items():
            path = big_file(Path(tmp), sample, header_line)
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                batch = parse_export(kind, path)
                best = min(best, time.perf_counter() - started)
            rows = batch.frames["time_entries"].height
            print(
                f"{name:30} {rows:>7} entries, {len(batch.errors)} errors: {best:.2f} s, "
                f"{rows / best:,.0f} rows/s"
            )


if __name__ == "__main__":
    main()
