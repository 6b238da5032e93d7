"""One pass of the scheduler: every job due now runs once for its slot and its outcome is
written to job_runs (migration 008). The slot is claimed in its own transaction before the
job starts, so a second pass in the same slot (cron firing twice, a manual run) skips it; a
slot whose run failed may run again. The sync job also runs, in a slot of its own, as soon as
a webhook queued a request."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from billing.period import Period
from core import clock
from core.cli_errors import one_line
from jobs.schedule import Schedule, load_schedules
from jobs.tasks import JOBS, JobContext
from metrics.filters import Filters
from metrics.kpis import store_trend
from read_models import invoice_review, realization_view, stored_reads
from read_models.overview import overview
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.day_tables import public_holidays
from warehouse.db import transaction

CLAIM_SELECT = "SELECT status FROM job_runs WHERE job = ? AND slot = ?"
CLAIM_INSERT = "INSERT INTO job_runs VALUES (?, ?, 'running', ?, NULL, NULL)"
CLAIM_RETRY = (
    "UPDATE job_runs SET status = 'running', started_at = ?, finished_at = NULL, message = NULL "
    "WHERE job = ? AND slot = ? AND status = 'failed'"
)
FINISH = "UPDATE job_runs SET status = ?, finished_at = ?, message = ? WHERE job = ? AND slot = ?"
PENDING_SQL = "SELECT max(request_id) FROM sync_requests WHERE handled_at IS NULL"
LAST_RUNS_SQL = """
SELECT job, slot, status, started_at, finished_at, message FROM (
    SELECT *, row_number() OVER (PARTITION BY job ORDER BY started_at DESC) AS n FROM job_runs
) WHERE n = 1 ORDER BY job
"""


@dataclass
class JobResult:
    job: str
    slot: str
    status: str  # ok | failed | skipped (already ran in this slot)
    message: str

    def line(self) -> str:
        return f"{self.job:<20} {self.slot:<22} {self.status:<8} {self.message}"


def claim(con: duckdb.DuckDBPyConnection, job: str, slot: str, now: datetime) -> bool:
    """True when this pass owns the slot (new, or its earlier run failed)."""
    with transaction(con):
        row = con.execute(CLAIM_SELECT, [job, slot]).fetchall()
        if not row:
            con.execute(CLAIM_INSERT, [job, slot, now]).fetchall()
            return True
        if row[0][0] != "failed":
            return False
        con.execute(CLAIM_RETRY, [now, job, slot]).fetchall()
        return True


def finish(con, job: str, slot: str, status: str, message: str) -> None:
    with transaction(con):
        con.execute(FINISH, [status, clock.now(), message[:2000], job, slot]).fetchall()


def due_slot(con, schedule: Schedule, now: datetime, off) -> str | None:
    slot = schedule.slot(now, off)
    if schedule.job == "sync" and schedule.enabled:
        pending = con.execute(PENDING_SQL).fetchall()[0][0]
        if pending is not None:  # a webhook asked: run now, once per batch of requests
            return f"{now:%Y-%m-%dT%H:%M}/requests-{pending}"
    return slot


def run_pass(
    con: duckdb.DuckDBPyConnection,
    now: datetime | None = None,
    schedules: dict[str, Schedule] | None = None,
    *,
    only: str | None = None,
    force: bool = False,
    ctx_extra: dict | None = None,
) -> list[JobResult]:
    """Runs what is due at `now` (default core.clock.now()). `only`: that job alone; `force`:
    run it now even when it is not due (its slot is then the minute, `2026-03-16T09:07!`)."""
    now = now or clock.now()
    schedules = schedules if schedules is not None else load_schedules()
    off = set(public_holidays(con, range(now.year - 1, now.year + 2)))
    results = []
    for name, schedule in schedules.items():
        if only and name != only:
            continue
        if name not in JOBS:
            raise ValueError(f"jobs config: unknown job [{name}]; known: {', '.join(JOBS)}")
        slot = f"{now:%Y-%m-%dT%H:%M}!" if force else due_slot(con, schedule, now, off)
        if slot is None:
            continue
        if not claim(con, name, slot, now):
            results.append(JobResult(name, slot, "skipped", "already ran in this slot"))
            continue
        ctx = JobContext(now, slot, off, **(ctx_extra or {}))
        try:
            message = JOBS[name](con, ctx)
            status = "failed" if ctx.problems else "ok"
        except Exception as err:  # noqa: BLE001 - the outcome is logged, the next job runs
            message, status = f"{type(err).__name__}: {' '.join(str(err).split())}", "failed"
        finish(con, name, slot, status, message)
        results.append(JobResult(name, slot, status, message))
    if results:  # a sync or rules job may have changed the attribution's inputs
        refresh_after_write(con)
        keep_default_reads(con, now.date())
    return results


def keep_default_reads(con: duckdb.DuckDBPyConnection, today: date) -> None:
    """Stores the trend sums, then the Overview, the Realization page and the Invoices page's
    billing of the month as the app opens them (the last complete month, firm-wide), so the first person to open them after a scheduled
    sync reads them instead of computing them. A failure is one line on stderr: the pages then
    read live."""
    filters = Filters.month(Period.of(today).shift(-1))
    try:
        store_trend(con, filters)
        for reader in (overview, realization_view.read_page, invoice_review.month_billing):
            stored_reads.store(con, reader, filters)
    except duckdb.Error as err:
        print(f"page reads not stored ({one_line(err)}); the pages read live", file=sys.stderr)


def last_runs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(job, slot, status, started_at, finished_at, message) of each job's latest run."""
    return con.execute(LAST_RUNS_SQL).fetchall()
