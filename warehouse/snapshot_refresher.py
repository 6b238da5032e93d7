"""The attribution snapshot brought up to date in the app's background after a person's action.

An approval, a void or a decision on an entry changes what the snapshot was computed from, and
until it is refreshed every page and draft prices the attribution live (seconds per read at 600
people). Refreshing on the click would make the person wait as long (5 s at 600 people), so
`request` hands it to one background thread per warehouse file: requests made while it runs
are folded into one more pass after it, and a burst of clicks (approving ten invoices) costs one
refresh. The thread uses a connection of the process's shared instance but not the sessions'
write turn: it writes only snapshot tables (the attribution's two, the trend's), which no action
writes, so a person's action meanwhile neither waits for it nor conflicts with it (MVCC), and a
reader sees the old snapshot, whose fingerprint then no longer matches, and reads live. Nothing
is lost when a pass fails or the file is busy (an import in another process): reads stay
correct, only slower, until the next command, job or action refreshes it.

A pass can carry more work of the same kind by name (`request(path, also=...)`): the Overview
stores its trend's sums this way after reading them live (metrics/trend_snapshot.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb

from warehouse import attribution_snapshot
from warehouse.access import session_connection

log = logging.getLogger(__name__)


class _Refresher:
    """The background refresh of one warehouse file: at most one thread, and a flag that says
    another pass is wanted once the current one ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.again = False
        self.thread: threading.Thread | None = None
        self.passes = 0  # passes that recomputed the snapshot (for tests and the log)
        self.also: dict[str, Callable[[duckdb.DuckDBPyConnection], object]] = {}

    def run(self) -> None:
        while True:
            with _lock:
                also, self.also = self.also, {}
            try:
                with session_connection(self.path) as con:
                    if attribution_snapshot.refresh(con):
                        self.passes += 1
                    for name, task in also.items():  # after it: they may read the snapshot
                        try:
                            task(con)
                        except Exception as err:  # noqa: BLE001 - one task's failure is logged;
                            log.warning("background %s failed: %s", name, err)  # reads go live
            except (duckdb.Error, OSError) as err:  # busy (WarehouseBusy), gone, damaged
                log.warning("attribution snapshot not refreshed in the background: %s", err)
            with _lock:
                if not self.again:
                    self.thread = None
                    return
                self.again = False


_lock = threading.Lock()
_refreshers: dict[str, _Refresher] = {}


def request(
    path: str | Path,
    also: dict[str, Callable[[duckdb.DuckDBPyConnection], object]] | None = None,
) -> None:
    """Refresh the snapshot of the warehouse at `path` soon, in the background; returns at once.
    `also`: more work for the same pass once the snapshot is current, each `task(con)` on a
    read-write connection, by name (a name asked for twice before the pass runs runs once)."""
    path = Path(path)
    with _lock:
        refresher = _refreshers.setdefault(str(path.resolve()), _Refresher(path))
        refresher.also.update(also or {})
        if refresher.thread is not None:
            refresher.again = True
            return
        refresher.thread = threading.Thread(
            target=refresher.run, name="attribution-snapshot-refresh", daemon=True
        )
        refresher.thread.start()


def wait_idle(timeout: float = 300.0) -> bool:
    """Waits until no background refresh is running (a test's teardown, a clean shutdown);
    False if one is still running after `timeout` seconds."""
    with _lock:
        threads = [r.thread for r in _refreshers.values() if r.thread is not None]
    for thread in threads:
        thread.join(timeout)
    with _lock:
        return all(r.thread is None for r in _refreshers.values())


def passes(path: str | Path) -> int:
    """How many background passes recomputed the snapshot of `path` in this process."""
    refresher = _refreshers.get(str(Path(path).resolve()))
    return 0 if refresher is None else refresher.passes
