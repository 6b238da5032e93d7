"""What the review pass reads (rules/llm_review/sql/*.sql): the noted entries of the window,
the client projects' SOW lines, the milestones and the person-days with calendar time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path

import duckdb

from rules.llm_review.history import History, read_history

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ReviewInput:
    """The window's facts, as plain rows (dicts), read once before anything is judged."""

    as_of: date
    since: date
    entries: list[dict]
    sow_lines: list[dict]
    milestones: list[dict]
    days: list[dict]
    history: History = field(default_factory=History)

    @cached_property
    def _lines_by_project(self) -> dict[str | None, list[dict]]:
        return _by_project(self.sow_lines)

    @cached_property
    def _milestones_by_project(self) -> dict[str | None, list[dict]]:
        return _by_project(self.milestones)

    def lines_of(self, project_id: str | None) -> list[dict]:
        """The project's SOW lines (grouped once: a window has tens of thousands of entries)."""
        return self._lines_by_project.get(project_id, [])

    def milestones_of(self, project_id: str | None) -> list[dict]:
        return self._milestones_by_project.get(project_id, [])


def _by_project(rows: list[dict]) -> dict[str | None, list[dict]]:
    out: dict[str | None, list[dict]] = {}
    for row in rows:
        out.setdefault(row["project_id"], []).append(row)
    return out


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> list[dict]:
    result = con.execute(sql(name), params) if params else con.execute(sql(name))
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def read(
    con: duckdb.DuckDBPyConnection, as_of: date, days: int, history_days: int = 0
) -> ReviewInput:
    """Entries and calendar days dated in the `days` days up to `as_of`; every SOW line and
    milestone (a milestone marked done long ago still judges the notes of the window); and,
    when `history_days` > 0, the word counts of the client notes of the `history_days` days up
    to `as_of` (rules/llm_review/history.py), which the local review learns from."""
    since = as_of - timedelta(days=days - 1)
    history = History()
    if history_days > 0:
        history = read_history(
            con, sql("history_words"), as_of - timedelta(days=history_days - 1), as_of
        )
    window = {"since": since, "as_of": as_of}
    return ReviewInput(
        as_of,
        since,
        _rows(con, "entries", window),
        _rows(con, "sow_lines", {}),
        _rows(con, "milestones", {}),
        _rows(con, "days", window),
        history,
    )
