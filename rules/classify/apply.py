"""Accepting and undoing suggestions: the one-click approval of the Exceptions page and the
firm's optional auto-apply. Accepting writes the entry's missing fields as entry_overrides
(they outlive re-imports), audits the entry and the exception, and records who accepted;
undoing restores the overrides the entry had before."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from app_auth import guard
from core import clock
from exception_queue.findings import (
    AUDIT_SQL,
    ENTRY_STATE_SQL,
    UPSERT_OVERRIDE_SQL,
    open_members,
)
from rules.classify.store import SUGGESTION_KIND
from warehouse import exception_groups
from warehouse.db import transaction

AUTO_ACTOR = "classify (auto)"
FIELDS = ("project_id", "sow_line_id", "billable", "work_type")
ACCEPTS = (SUGGESTION_KIND, "missing_project")  # queue kinds whose ref may have a suggestion

CURRENT_SQL = """
SELECT s.* FROM classify_suggestions s
WHERE s.object_type = 'time_entry' AND s.object_id = ? AND s.status IN ({statuses})
ORDER BY s.suggestion_id DESC LIMIT 1
"""
ENTRY_SQL = """
SELECT e.entry_id, e.project_id, e.sow_line_id, e.billable, e.work_type, e.invoice_id,
       coalesce(e.locked, false) AS locked,
       (SELECT min(draft_id) FROM locked_sources WHERE source_id = e.entry_id) AS draft_id
FROM effective_time_entries e WHERE e.entry_id = ?
"""
MARK_SQL = """
UPDATE classify_suggestions SET status = ?, decided_at = ?, decided_by = ?, audit_id = ?
WHERE suggestion_id = ?
"""


def _record(con, sql: str, params: list) -> dict | None:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    rows = result.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def _audit_id(con) -> int:
    return con.execute("SELECT nextval('audit_id_seq')").fetchall()[0][0]


def _exception(con, exception_id: str) -> dict:
    row = _record(con, "SELECT * FROM exceptions WHERE exception_id = ?", [exception_id])
    if row is None:
        raise ValueError(f"no exception {exception_id!r}")
    return row


def _suggestion(con, entry_id: str, statuses: tuple[str, ...]) -> dict | None:
    marks = ", ".join("?" for _ in statuses)
    return _record(con, CURRENT_SQL.format(statuses=marks), [entry_id, *statuses])


def _fields_to_write(con, suggestion: dict) -> dict[str, str]:
    """The entry's empty fields the suggestion fills; a held entry, or a suggestion for another
    project than the one the entry has, is refused."""
    entry = _record(con, ENTRY_SQL, [suggestion["object_id"]])
    if entry is None:
        raise ValueError(f"time entry {suggestion['object_id']} no longer exists")
    if entry["invoice_id"] or entry["locked"] or entry["draft_id"] is not None:
        raise ValueError(f"entry {entry['entry_id']} is already invoiced, locked or in a draft")
    if entry["project_id"] and entry["project_id"] != suggestion["project_id"]:
        raise ValueError(
            f"entry {entry['entry_id']} is on {entry['project_id']} now, not "
            f"{suggestion['project_id']}; reassign it instead"
        )
    out = {}
    for name in FIELDS:
        value = suggestion[name]
        if entry[name] is None and value is not None:
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def apply_suggestion(con, suggestion: dict, actor: str, now: datetime, status: str) -> int:
    """Writes the overrides and the entry's audit row; marks the suggestion. No transaction
    of its own: callers hold one."""
    fields = _fields_to_write(con, suggestion)
    entry_id = suggestion["object_id"]
    before = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    audit_id = _audit_id(con)
    for name, value in fields.items():
        con.execute(UPSERT_OVERRIDE_SQL, [entry_id, name, value, now, actor, audit_id]).fetchall()
    after = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    why = (
        f"classification {suggestion['method']} ({suggestion['confidence']:.3f}), "
        f"suggestion {suggestion['suggestion_id']}"
    )
    con.execute(
        AUDIT_SQL,
        [audit_id, now, actor, f"classify_{status}", "time_entry", entry_id, before, after, why],
    ).fetchall()
    con.execute(MARK_SQL, [status, now, actor, audit_id, suggestion["suggestion_id"]]).fetchall()
    return audit_id


def decide_exception(con, exception_id: str, status: str, actor: str, reason, now) -> None:
    """Sets the queue row's status and decision (reopening clears a resolution) and audits
    it, as billing's decide() does for its own actions."""
    exception_groups.touch_ids(con, [exception_id])  # the caller refreshes before it commits
    before = con.execute(
        "SELECT to_json(x) FROM exceptions x WHERE exception_id = ?", [exception_id]
    ).fetchall()[0][0]
    con.execute(
        "UPDATE exceptions SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?, "
        "resolved_at = CASE WHEN ? = 'open' THEN NULL ELSE resolved_at END, "
        "resolved_reason = CASE WHEN ? = 'open' THEN NULL ELSE resolved_reason END "
        "WHERE exception_id = ?",
        [status, now, actor, reason, status, status, exception_id],
    ).fetchall()
    after = con.execute(
        "SELECT to_json(x) FROM exceptions x WHERE exception_id = ?", [exception_id]
    ).fetchall()[0][0]
    action = "approve" if status == "approved" else "undo"
    con.execute(
        AUDIT_SQL,
        [_audit_id(con), now, actor, action, "exception", exception_id, before, after, reason],
    ).fetchall()


def accept(
    con: duckdb.DuckDBPyConnection,
    exception_ids: list[str] | str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """One click: each exception's current open suggestion is applied to its entry, all or
    nothing. Works on classify_suggestion and missing_project rows; returns how many."""
    ids = [exception_ids] if isinstance(exception_ids, str) else list(exception_ids)
    if not actor or not str(actor).strip():
        raise ValueError("accepting a suggestion needs an actor")
    guard.require("decide_exceptions", actor)
    now = now or clock.now()
    plan = []
    for exception_id in ids:
        row = _exception(con, exception_id)
        if row["kind"] not in ACCEPTS:
            raise ValueError(f"{exception_id} is not a classification or missing-project row")
        suggestion = _suggestion(con, row["ref"], ("open",))
        if suggestion is None:
            raise ValueError(f"no open suggestion for {row['ref']}; run `rules classify` first")
        _fields_to_write(con, suggestion)  # refuses before anything is written
        plan.append((exception_id, suggestion))
    with transaction(con):
        for exception_id, suggestion in plan:
            why = reason or f"accepted suggestion {suggestion['suggestion_id']}"
            apply_suggestion(con, suggestion, actor, now, "accepted")
            decide_exception(con, exception_id, "approved", actor, why, now)
            settle_sibling(con, exception_id, actor, why, now)
        exception_groups.refresh(con)
    return len(plan)


def accept_groups(
    con: duckdb.DuckDBPyConnection,
    group_keys: list[str] | str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Accepts the open suggestions of whole queue groups (a person's week of suggestions).
    The members are read in the caller's write turn: a second session accepting the same
    group finds nothing open left and is refused, so nothing is applied twice."""
    guard.require("decide_exceptions", actor)
    keys = [group_keys] if isinstance(group_keys, str) else list(group_keys)
    now = now or clock.now()
    ids = [i for i in open_members(con, keys, as_of=now.date()) if i.split(":")[0] in ACCEPTS]
    if not ids:
        raise ValueError("nothing in this group is open any more: it was decided already")
    return accept(con, ids, actor, reason, now=now)


SIBLING_SQL = "SELECT status FROM exceptions WHERE exception_id = ?"
RESOLVE_SQL = """
UPDATE exceptions SET status = 'resolved', resolved_at = ?, resolved_reason = ?
WHERE exception_id = ?
"""


def _sibling(exception_id: str) -> str:
    """The entry's other queue row: its missing_project row for a suggestion, and back."""
    kind, ref = exception_id.split(":", 1)
    return f"missing_project:{ref}" if kind == SUGGESTION_KIND else f"{SUGGESTION_KIND}:{ref}"


def settle_sibling(con, exception_id: str, actor: str, reason: str, now: datetime) -> None:
    """One entry, one row: accepting its suggestion also settles the entry's other open row.
    The `missing_project` row is resolved (the entry has a project now; a later rules run
    reopens it if it loses it again); a suggestion accepted from its `missing_project` row is
    approved."""
    kind = exception_id.split(":", 1)[0]
    other = _sibling(exception_id)
    row = _record(con, SIBLING_SQL, [other])
    if row is None or row["status"] not in ("open", "snoozed"):
        return
    if kind != SUGGESTION_KIND:
        decide_exception(con, other, "approved", actor, reason, now)
        return
    before = con.execute(
        "SELECT to_json(x) FROM exceptions x WHERE exception_id = ?", [other]
    ).fetchall()[0][0]
    exception_groups.touch_ids(con, [other])
    con.execute(RESOLVE_SQL, [now, f"classified: {reason}", other]).fetchall()
    after = con.execute(
        "SELECT to_json(x) FROM exceptions x WHERE exception_id = ?", [other]
    ).fetchall()[0][0]
    con.execute(
        AUDIT_SQL,
        [
            _audit_id(con),
            now,
            actor,
            "resolve",
            "exception",
            other,
            before,
            after,
            f"classified: {reason}",
        ],
    ).fetchall()


def _restore(con, suggestion: dict, actor: str, now: datetime) -> None:
    """Puts back the overrides the entry had before the suggestion was applied (from that
    audit row's `before`), and audits the undo."""
    entry_id = suggestion["object_id"]
    audit = _record(
        con, "SELECT before FROM audit_log WHERE audit_id = ?", [suggestion["audit_id"]]
    )
    previous = (json.loads(audit["before"]) if audit else {}).get("overrides") or {}
    written = [
        r[0]
        for r in con.execute(
            "SELECT field FROM entry_overrides WHERE entry_id = ? AND audit_id = ?",
            [entry_id, suggestion["audit_id"]],
        ).fetchall()
    ]
    before = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    audit_id = _audit_id(con)
    for name in written:
        if name in previous:
            con.execute(
                UPSERT_OVERRIDE_SQL, [entry_id, name, previous[name], now, actor, audit_id]
            ).fetchall()
        else:
            con.execute(
                "DELETE FROM entry_overrides WHERE entry_id = ? AND field = ?", [entry_id, name]
            ).fetchall()
    after = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    con.execute(
        AUDIT_SQL,
        [
            audit_id,
            now,
            actor,
            "classify_undo",
            "time_entry",
            entry_id,
            before,
            after,
            f"undo suggestion {suggestion['suggestion_id']}",
        ],
    ).fetchall()
    con.execute(MARK_SQL, ["undone", now, actor, audit_id, suggestion["suggestion_id"]]).fetchall()


def undo(
    con: duckdb.DuckDBPyConnection,
    exception_ids: list[str] | str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Reverses accepted or auto-applied suggestions, all or nothing; the exception opens
    again, and auto-apply never re-applies an undone suggestion's entry."""
    ids = [exception_ids] if isinstance(exception_ids, str) else list(exception_ids)
    if not actor or not str(actor).strip():
        raise ValueError("undoing a suggestion needs an actor")
    guard.require("decide_exceptions", actor)
    now = now or clock.now()
    plan = []
    for exception_id in ids:
        row = _exception(con, exception_id)
        suggestion = _suggestion(con, row["ref"], ("accepted", "applied"))
        if row["kind"] not in ACCEPTS or suggestion is None:
            raise ValueError(f"{exception_id} has no applied suggestion to undo")
        plan.append((exception_id, suggestion))
    with transaction(con):
        for exception_id, suggestion in plan:
            _restore(con, suggestion, actor, now)
            why = reason or "suggestion undone"
            decide_exception(con, exception_id, "open", actor, why, now)
            other = _sibling(exception_id)
            row = _record(con, SIBLING_SQL, [other])
            if row is not None and row["status"] in ("approved", "resolved"):
                decide_exception(con, other, "open", actor, why, now)  # the entry's other row
        exception_groups.refresh(con)
    return len(plan)
