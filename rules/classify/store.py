"""Writing a classification run: its accounting row, every suggestion with the input it saw,
and the exception-queue rows (source `classify`) that put suggestions and failures in front of
a person. The queue's sync keeps decisions across re-runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb
import polars as pl

from core import clock
from exception_queue.findings import sync_exceptions

SUGGESTION_KIND = "classify_suggestion"
FAILED_KIND = "classify_failed"
SUGGESTION_COLUMNS = {
    "object_type": pl.String,
    "object_id": pl.String,
    "project_id": pl.String,
    "sow_line_id": pl.String,
    "billable": pl.Boolean,
    "work_type": pl.String,
    "splits": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "model": pl.String,
    "prompt_version": pl.String,
    "input": pl.String,
    "rationale": pl.String,
}

INSERT_SUGGESTIONS_SQL = """
INSERT INTO classify_suggestions (suggestion_id, run_id, object_type, object_id, project_id,
    sow_line_id, billable, work_type, splits, confidence, method, model, prompt_version, input,
    rationale, status, created_at)
SELECT nextval('classify_suggestion_seq'), ?, object_type, object_id, project_id, sow_line_id,
       billable, work_type, splits::JSON, confidence, method, model, prompt_version, input::JSON,
       rationale, 'open', ?
FROM _suggestions ORDER BY object_type, object_id
"""
# an object's older open suggestions give way to the new one
SUPERSEDE_SQL = """
UPDATE classify_suggestions SET status = 'superseded'
WHERE status = 'open' AND run_id <> ?
  AND (object_type, object_id) IN (SELECT (object_type, object_id) FROM _suggestions)
"""
RUN_COLUMNS = (
    "finished_at",
    "llm_used",
    "model",
    "training_digest",
    "entries",
    "expenses",
    "llm_calls",
    "llm_cache_hits",
    "llm_errors",
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cost_usd",
    "auto_applied",
)


@dataclass(frozen=True)
class Finding:
    """One exception-queue row of the classification run (see sync_exceptions)."""

    kind: str
    ref: str
    detail: str
    severity: str = "low"
    project_id: str | None = None
    client_id: str | None = None
    period: str | None = None
    evidence: dict | None = None
    suggested_action: str | None = None


def start_run(con: duckdb.DuckDBPyConnection, actor: str, llm_mode: str, now: datetime) -> int:
    run_id = con.execute("SELECT nextval('classify_run_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO classify_runs (run_id, started_at, actor, llm_mode) VALUES (?, ?, ?, ?)",
        [run_id, now, actor, llm_mode],
    ).fetchall()
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, **values) -> None:
    """Sets the run's counts, tokens and cost (names of RUN_COLUMNS only)."""
    values.setdefault("finished_at", clock.now())
    unknown = set(values) - set(RUN_COLUMNS)
    if unknown:
        raise ValueError(f"unknown run columns {sorted(unknown)}")
    names = sorted(values)
    assignments = ", ".join(f"{name} = ?" for name in names)  # names from RUN_COLUMNS only
    con.execute(
        f"UPDATE classify_runs SET {assignments} WHERE run_id = ?",
        [values[n] for n in names] + [run_id],
    ).fetchall()


def save_suggestions(con, run_id: int, suggestions: pl.DataFrame, now: datetime) -> None:
    """Stores the run's suggestions (SUGGESTION_COLUMNS) as open; older open ones of the same
    objects become superseded."""
    frame = suggestions.select([pl.col(c).cast(t) for c, t in SUGGESTION_COLUMNS.items()])
    con.register("_suggestions", frame)
    try:
        con.execute(SUPERSEDE_SQL, [run_id]).fetchall()
        con.execute(INSERT_SUGGESTIONS_SQL, [run_id, now]).fetchall()
    finally:
        con.unregister("_suggestions")


def run_summary(con: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    result = con.execute("SELECT * FROM classify_runs WHERE run_id = ?", [run_id])
    names = [d[0] for d in result.description]
    row = dict(zip(names, result.fetchall()[0], strict=True))
    return {k: (str(v) if isinstance(v, Decimal | datetime) else v) for k, v in row.items()}


def sync_findings(con, findings: list[Finding], actor: str, now: datetime) -> dict[str, int]:
    """The run's queue rows; those of earlier runs it no longer finds are resolved."""
    return sync_exceptions(con, findings, "classify", {}, actor, now=now)


def dumps(value) -> str:
    return json.dumps(value, default=str, sort_keys=True)
