"""One scheduled pass on the demo firm, as `python -m jobs` runs it: the drafts job, forced, on
a Monday of November 2026, whose last complete month is October (the month the pass keeps its
trend and page reads for)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import duckdb

from jobs.runner import run_pass
from jobs.schedule import Schedule

MONDAY_MORNING = datetime(2026, 11, 9, 7, 5, tzinfo=UTC)


def run_drafts_pass(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The pass's job statuses (["ok"] when the drafts job ran well)."""
    schedules = {"drafts": Schedule("drafts", at=time(7, 0))}
    return [r.status for r in run_pass(con, MONDAY_MORNING, schedules, force=True)]
