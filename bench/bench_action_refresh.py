"""What a person's action costs the pages after it: an invoice voided the way the app writes it
(a staging row, its row hash, a load log entry) leaves the attribution snapshot stale, so the
Overview's read prices the attribution live until the background refresh
(warehouse/snapshot_refresher.py) commits. Prints, on a copy of the warehouse:
  - the Overview's read (read_models.overview, the default month) with the snapshot current;
  - the same read right after the action (live attribution);
  - how long the background refresh takes from the request to the snapshot current again;
  - the read once it has (the trend's sums still live: a void changes them too);
  - the trend's sums stored, as the Overview's own request does after its read, and the read;
  - the whole Overview stored (read_models/stored_reads.py, the page's `keep`), and the page's
    read of it (a plain read-only connection: the fingerprint, then the stored frames).
Run: BILLING_TODAY=2026-11-07 .venv/bin/python bench/bench_action_refresh.py --db /tmp/w600r.duckdb
The warehouse must have its snapshot current for this code (run `python -m rules run` on it, or
any import, after checking out this version)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.period import Period  # noqa: E402
from metrics.filters import Filters  # noqa: E402
from metrics.kpis import store_trend  # noqa: E402
from metrics.session import kpi_connection  # noqa: E402
from read_models import stored_reads  # noqa: E402
from read_models.overview import overview  # noqa: E402
from tests.support.app_writes import void_one_invoice  # noqa: E402
from warehouse import attribution_snapshot, snapshot_refresher  # noqa: E402
from warehouse.access import session_connection  # noqa: E402
from warehouse.sessions import read_only  # noqa: E402


def timed_overview(db: Path, filters: Filters) -> float:
    start = time.perf_counter()
    with kpi_connection(db, last_day=filters.end) as con:
        overview(con, filters)
    return time.perf_counter() - start


def timed_stored_overview(db: Path, filters: Filters) -> float:
    start = time.perf_counter()
    with read_only(db) as con:
        assert stored_reads.load(con, overview, filters) is not None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    month = Period.parse(args.month)
    filters = Filters.month(month)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(shutil.copy(args.db, Path(tmp) / "warehouse.duckdb"))
        with session_connection(db) as con:
            if not attribution_snapshot.is_current(con):
                raise SystemExit("the snapshot is not current for this code: refresh it first")
        print(f"Overview read, snapshot current:       {timed_overview(db, filters):6.2f} s")
        with session_connection(db) as con:
            previous = month.shift(-1)
            number = void_one_invoice(con, (previous.start, previous.end))
        print(f"(voided {number}, as the app's void does)")
        print(f"Overview read, right after the action: {timed_overview(db, filters):6.2f} s")
        start = time.perf_counter()
        snapshot_refresher.request(db)
        snapshot_refresher.wait_idle()
        print(f"background refresh, request to done:   {time.perf_counter() - start:6.2f} s")
        with session_connection(db) as con:
            assert attribution_snapshot.is_current(con)
        print(f"Overview read, after the refresh:      {timed_overview(db, filters):6.2f} s")
        start = time.perf_counter()
        snapshot_refresher.request(db, also={"trend": partial(store_trend, filters=filters)})
        snapshot_refresher.wait_idle()
        print(f"trend stored (the Overview's request): {time.perf_counter() - start:6.2f} s")
        print(f"Overview read, trend stored:           {timed_overview(db, filters):6.2f} s")
        start = time.perf_counter()
        keep = partial(stored_reads.store, reader=overview, filters=filters)
        snapshot_refresher.request(db, also={"overview": keep})
        snapshot_refresher.wait_idle()
        print(f"Overview stored (the page's keep):     {time.perf_counter() - start:6.2f} s")
        print(f"Overview's stored read:                {timed_stored_overview(db, filters):6.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
