"""The Import page's costs on a Harvest export of N rows: detecting the format, the preview (the
import rehearsed and rolled back), the commit, and a preview of the same file once loaded.

Prints each time and the preview / commit ratio. The first preview of a process (of the small
sample, timed on its own) pays the one-time import of great-expectations and pandas. Run:
.venv/bin/python bench/bench_import_preview.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app_auth import guard
from app_auth.roles import Identity
from etl.import_kinds import detect_format
from etl.preview import commit_import, preview_import, save_upload
from warehouse.db import connect
from warehouse.sessions import read_write

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "harvest_detailed_time.csv"
ADMIN = Identity("Bench Admin", ("admin",), "local", "bench")


def harvest_rows(rows: int) -> bytes:
    """The sample's rows again and again, each on another day with its own note (so each is its
    own entry), the first bad row in every 500 given hours of 25."""
    header, *sample = list(csv.reader(SAMPLE.read_text().splitlines()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    start = dt.date(2025, 1, 1)
    for n in range(rows):
        row = list(sample[n % len(sample)])
        row[0] = (start + dt.timedelta(days=n % 700)).isoformat()
        row[5] = f"{row[5]} #{n}"
        if n % 500 == 0:
            row[6] = "25"
        writer.writerow(row)
    return out.getvalue().encode()


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory(prefix="bench-import-preview-") as tmp:
        folder = Path(tmp)
        db = folder / "warehouse.duckdb"
        connect(db).close()
        (folder / "up").mkdir()

        def run(action):
            with guard.acting_as(ADMIN), read_write(db) as con:
                return action(con, "harvest-csv", upload, actor=ADMIN.name)

        sample = save_upload(folder / "up", SAMPLE.name, SAMPLE.read_bytes())
        with guard.acting_as(ADMIN), read_write(db) as con:  # the process's first validation
            timed(
                "first preview in a process (sample)",
                lambda: preview_import(con, "harvest-csv", sample, actor=ADMIN.name),
            )
        upload = save_upload(folder / "up", "harvest.csv", harvest_rows(rows))
        print(f"Harvest export: {rows:,} rows, {upload.path.stat().st_size / 1e6:.1f} MB")
        timed("detect the format", lambda: detect_format(upload.path))
        seen, preview_s = timed("preview (rehearsed, rolled back)", lambda: run(preview_import))
        report, commit_s = timed("commit", lambda: run(commit_import))
        again, _ = timed("preview again (all loaded)", lambda: run(preview_import))
        print(f"preview / commit: {preview_s / commit_s:.2f}x")
        print(
            f"previewed {seen.loading:,} rows to load, {seen.quarantined.height:,} bad; "
            f"committed {sum(s.new for s in report.entities):,} new, {report.quarantined:,} "
            f"quarantined; again: {again.loading:,} to load"
        )


if __name__ == "__main__":
    main()
