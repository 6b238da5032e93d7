"""The great-expectations suite on a committed load, off the import's critical path.

An import commits its rows (SQL checks and quarantine decide what loads, as before) together
with a `pending` load_validation row (record_pending, called by etl/load_run.py). The suite then
runs on what the load committed: the rows of each entity whose `_load_id` is the load's (a
sample of every k-th row hash above SAMPLE_ROWS), and its results go to validation_results as
before. A failed expectation never deletes a row: the load's status becomes `failed` and the
Data health page shows it.

When the suite runs (`etl import --validate`, default from $ETL_VALIDATE):
* `background` (default): a detached `python -m etl validate --load N`, which waits for the
  warehouse's lock (DuckDB allows one writing process per file) and holds it only to claim and
  read the load and to write the results, never while GX works;
* `now`: in the same process right after the commit (the old results, the old wall time);
* `off`: left pending, for `python -m etl validate --pending` (or the jobs runner).

Two validators never both run one load: each first claims the row (`pending` -> `running`) in
one UPDATE, and only the one whose UPDATE changed it goes on. A `running` claim older than
STALE_CLAIM (its validator died) may be taken over.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from core import clock, settings
from core.cli_errors import one_line
from etl.checks import quote
from etl.contract import CONTRACTS, ENTITIES, FIRM, Entity
from warehouse.db import ROOT, WarehouseBusy, connect, resolve_db_path, scalar, transaction

if TYPE_CHECKING:  # pandas and GX come with etl.expectations, imported only to validate
    import pandas as pd

MODE_ENV = "ETL_VALIDATE"
MODES = ("background", "now", "off")
DEFAULT_MODE = "background"
# The suite sees about this many rows of a larger load (those whose row hash is a multiple of
# k): its checks repeat the SQL checks that already quarantined bad rows, so on a large load it
# is a cross-check of the typed data, and a sample keeps a background run short.
SAMPLE_ROWS = 50_000
LOCK_WAIT_SECONDS = 600.0  # how long a background validator waits for the writing process
STALE_CLAIM = dt.timedelta(hours=1)  # a `running` row older than this lost its validator
VALIDATED: dict[str, Entity] = {**ENTITIES, CONTRACTS.name: CONTRACTS, FIRM.name: FIRM}

Opener = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

PENDING_SQL = "INSERT INTO load_validation (load_id, status, queued_at) VALUES (?, 'pending', ?)"
CLAIM_SQL = """
UPDATE load_validation
SET status = 'running', claimed_by = ?, started_at = ?
WHERE load_id = ?
  AND (list_contains(?, status) OR (status = 'running' AND started_at < ?))
RETURNING load_id
"""
FINISH_SQL = """
UPDATE load_validation
SET status = ?, entities = ?, rows_checked = ?, expectations = ?, failed_expectations = ?,
    error = ?, finished_at = ?
WHERE load_id = ?
"""
RESULT_SQL = "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
LOAD_ENTITIES_SQL = (
    "SELECT DISTINCT entity FROM load_entity_stats "
    "WHERE load_id = ? AND new_rows + updated_rows > 0 ORDER BY entity"
)
STATE_SQL = """
SELECT l.status AS load_status, v.status, v.claimed_by, v.error, v.expectations,
       v.failed_expectations
FROM load_log l LEFT JOIN load_validation v USING (load_id)
WHERE l.load_id = ?
"""
PENDING_LOADS_SQL = "SELECT load_id FROM load_validation WHERE status = 'pending' ORDER BY load_id"


class ValidationRefused(ValueError):
    """The load cannot be validated (none with that id, or it failed and committed nothing):
    one line for the command line."""


def record_pending(con: duckdb.DuckDBPyConnection, load_id: int) -> None:
    """The load's validation, queued: written inside the load's own transaction, so a committed
    load always has one and a rolled-back load none."""
    con.execute(PENDING_SQL, [load_id, clock.now()])


def default_mode() -> str:
    """$ETL_VALIDATE (environment or secrets.toml), else background."""
    mode = settings.raw(MODE_ENV) or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(f"{MODE_ENV}={mode!r}: expected one of {', '.join(MODES)}")
    return mode


@dataclass(frozen=True)
class Outcome:
    """What one validation of one load found."""

    load_id: int
    status: str  # passed | failed
    entities: int
    rows_checked: int
    expectations: int
    failed_expectations: int
    error: str | None = None
    failures: tuple[str, ...] = ()  # "entity.column expectation: n unexpected of m"

    def line(self) -> str:
        head = (
            f"load {self.load_id}: validation {self.status} "
            f"({self.expectations - self.failed_expectations} of {self.expectations} "
            f"expectations met on {self.rows_checked:,} row(s) of {self.entities} entit"
            f"{'y' if self.entities == 1 else 'ies'})"
        )
        if self.error:
            return f"{head}: the suite could not run: {self.error}"
        return head + "".join(f"\n  {f}" for f in self.failures)


@dataclass(frozen=True)
class Batch:
    entity: Entity
    frame: pd.DataFrame
    rows: int  # the load's rows of the entity (the frame may be a sample)


def worker_name() -> str:
    """Who claims a validation: host:pid, and the thread when it is not the main one."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    thread = threading.current_thread()
    return name if thread is threading.main_thread() else f"{name}:{thread.name}"


def state(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, Any]:
    """The load's status and its validation's (None when it has no load_validation row);
    ValidationRefused when the load does not exist or failed."""
    cur = con.execute(STATE_SQL, [load_id])
    rows = cur.fetchall()  # all of it: DuckDB 2.0 refuses new work while a result is unfinished
    if not rows:
        raise ValidationRefused(f"no load {load_id} in the warehouse")
    found = dict(zip([d[0] for d in cur.description], rows[0], strict=True))
    if found["load_status"] != "ok":
        raise ValidationRefused(f"load {load_id} failed: it committed nothing to validate")
    return found


def claim(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    worker: str,
    statuses: tuple[str, ...] = ("pending",),
) -> bool:
    """Takes the load's validation if it is in one of `statuses` (or its claim went stale):
    True for exactly one of any number of validators trying at once. A load committed before
    load_validation existed gets its row here."""
    now = clock.now()
    try:
        with transaction(con):
            con.execute(
                "INSERT INTO load_validation (load_id, status, queued_at) "
                "SELECT ?, 'pending', ? WHERE NOT EXISTS "
                "(SELECT 1 FROM load_validation WHERE load_id = ?)",
                [load_id, now, load_id],
            )
            taken = con.execute(
                CLAIM_SQL, [worker, now, load_id, list(statuses), now - STALE_CLAIM]
            ).fetchall()
    except WarehouseBusy:  # another validator's claim of the same row committed first
        return False
    return bool(taken)


def read_batches(con: duckdb.DuckDBPyConnection, load_id: int) -> list[Batch]:
    """The load's committed rows of each entity it added or changed, only the columns the suite
    checks, ordered by key (a sample above SAMPLE_ROWS)."""
    from etl.expectations import expectation_specs  # with numpy and pandas: only to validate

    batches = []
    for (name,) in con.execute(LOAD_ENTITIES_SQL, [load_id]).fetchall():
        entity = VALIDATED.get(name)
        if entity is None:
            continue
        checked = {column for _, column, _ in expectation_specs(entity)}
        cols = ", ".join(quote(c) for c in entity.column_names if c in checked)
        if not cols:
            continue
        where = f"_load_id = {int(load_id)}"
        rows = scalar(con, f"SELECT count(*) FROM {entity.name} WHERE {where}")
        if rows > SAMPLE_ROWS:  # deterministic, and a parallel scan
            where += f" AND _row_hash % {-(-rows // SAMPLE_ROWS)} = 0"
        order = ", ".join(quote(k) for k in entity.key)
        sql = f"SELECT {cols} FROM {entity.name} WHERE {where} ORDER BY {order}"
        frame = con.sql(sql).arrow().read_all().to_pandas()
        batches.append(Batch(entity, frame, rows))
    return batches


def run_suite(batches: list[Batch]) -> list[tuple[str, list]]:
    """Each batch through its entity's suite (no connection needed: GX works on the frames)."""
    from etl import expectations

    return [(b.entity.name, expectations.validate_entity(b.entity, b.frame)) for b in batches]


def record_results(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    batches: list[Batch],
    results: list[tuple[str, list]],
    error: str | None,
) -> Outcome:
    """The results in validation_results (replacing any earlier run's for the load) and the
    load's status, in one transaction."""
    import json

    now = clock.now()
    rows, failures = [], []
    for entity, found in results:
        for r in found:
            rows.append(
                [
                    load_id,
                    entity,
                    r.expectation,
                    r.column,
                    r.success,
                    r.element_count,
                    r.unexpected_count,
                    json.dumps(r.details, default=str),
                    now,
                ]
            )
            if not r.success:
                failures.append(
                    f"{entity}.{r.column} {r.expectation}: "
                    f"{r.unexpected_count:,} unexpected of {r.element_count:,}"
                )
    failed = len(failures)
    outcome = Outcome(
        load_id=load_id,
        status="failed" if failed or error else "passed",
        entities=len(batches),
        rows_checked=sum(len(b.frame) for b in batches),
        expectations=len(rows),
        failed_expectations=failed,
        error=error,
        failures=tuple(failures),
    )
    with transaction(con):
        con.execute("DELETE FROM validation_results WHERE load_id = ?", [load_id])
        if rows:
            con.executemany(RESULT_SQL, rows)
        con.execute(
            FINISH_SQL,
            [
                outcome.status,
                outcome.entities,
                outcome.rows_checked,
                outcome.expectations,
                outcome.failed_expectations,
                error,
                now,
                load_id,
            ],
        )
    return outcome


def validate_load(
    opener: Opener,
    load_id: int,
    *,
    worker: str | None = None,
    statuses: tuple[str, ...] = ("pending",),
) -> Outcome | None:
    """Claims, reads, validates and records one load; None when it was not there to take
    (another validator has it, or it is done). The connection `opener` gives is held only to
    claim and read, and again to record: never while GX works, so an import waiting for the
    file waits for seconds at most."""
    worker = worker or worker_name()
    with opener() as con:
        state(con, load_id)
        if not claim(con, load_id, worker, statuses):
            return None
        try:
            batches = read_batches(con, load_id)
        except Exception as err:
            record_results(con, load_id, [], [], one_line(err))
            raise
    try:
        results, error = run_suite(batches), None
    except Exception as err:  # a broken suite: recorded as failed, the rows stay
        results, error = [], f"{type(err).__name__}: {one_line(err)}"
    with opener() as con:
        return record_results(con, load_id, batches, results, error)


def pending_loads(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute(PENDING_LOADS_SQL).fetchall()]


@contextmanager
def same_connection(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """An opener for a caller that already has the warehouse open (`--validate now`)."""
    yield con


def file_opener(db: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Opener:
    """An opener for a validator of its own: opens the file when needed, waiting for the
    process that writes it, and closes it again."""

    @contextmanager
    def opened() -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(db, wait_seconds=wait_seconds)
        try:
            yield con
        finally:
            con.close()

    return opened


def start_background(db: Path, load_id: int) -> subprocess.Popen:
    """`python -m etl validate --load N` as a process of its own (its own session: it outlives
    the command that started it and ignores that command's Ctrl-C). It reports through the
    load_validation row; its output is discarded."""
    argv = [sys.executable, "-m", "etl", "--db", str(Path(db).resolve())]
    return subprocess.Popen(
        [*argv, "validate", "--load", str(load_id)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def start_thread(opener: Opener, load_id: int) -> threading.Thread:
    """The suite in a daemon thread of this process (the app's Import page): the page returns
    at once and the Data health page shows the load pending, then passed or failed."""

    def run() -> None:
        try:
            validate_load(opener, load_id)
        except Exception:  # noqa: BLE001 - the row says pending or running; Data health shows it
            pass

    thread = threading.Thread(target=run, name=f"validate-load-{load_id}", daemon=True)
    thread.start()
    return thread


def after_commit(
    con: duckdb.DuckDBPyConnection | None, db: Path | None, load_id: int, mode: str
) -> tuple[str, Outcome | None]:
    """What a command does with the load it just committed, by `mode`; returns a line to print
    and, for `now`, the outcome. `background` must be called after `con` let go of the file or
    the validator waits for it."""
    if mode == "now":
        outcome = validate_load(lambda: same_connection(con), load_id)
        if outcome is None:
            return f"load {load_id}: validation already taken by another validator", None
        return outcome.line(), outcome
    if mode == "background":
        start_background(resolve_db_path(db), load_id)
        return (
            f"load {load_id}: validating in the background "
            f"(python -m etl validate --load {load_id}; results on the Data health page)",
            None,
        )
    return f"load {load_id}: validation pending (python -m etl validate --pending)", None
