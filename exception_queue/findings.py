"""The exception queue: billing (later rules and classification) findings kept as rows with
their evidence and the human decisions on them, which survive re-runs and re-imports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from app_auth import guard
from core import clock
from warehouse import exception_groups as stored
from warehouse.db import transaction

HIGH = (
    "po_exceeded",
    "over_cap",
    "no_contract",
    "missing_rate",
    "ambiguous_rate",
    "invalid_split",
    "missing_fx_rate",
)
MEDIUM = ("unapproved_time", "po_alert", "expired_rollover", "unmatched_payment")
SEVERITY = {kind: "high" for kind in HIGH} | {kind: "medium" for kind in MEDIUM}
DEFAULT_SEVERITY = "low"
# Severity of a finding (and of a group of them) the writer could price: by the money at stake
# in the firm's base currency, at or above each level (docs/rules.md "Severity by money").
# A finding without money is low, unless its kind is high whatever the money (SEVERITY, rules
# config: a contract, rate or completed-project problem that stops billing).
HIGH_FROM = Decimal("1000.00")
MEDIUM_FROM = Decimal("100.00")


@dataclass(frozen=True)
class Finding:
    """One problem a writer (billing's draft, the rules, classification, the review pass, AR
    matching) hands the queue, with typed facts: the queue groups, ages and ranks findings by
    these columns and never parses figures back out of the English `detail`.

    amount: money at stake in `currency` (None when the writer cannot price it); hours: hours
    at stake; event_date: the day of the underlying event (entry date, invoice or due date,
    payment date) the finding's age counts from. Facts left None are filled, where the ref
    names a time entry, expense, payment or invoice, from that row (billing/sql/
    exception_refs.sql). `value` is the figure the rule reports (money or hours)."""

    kind: str
    ref: str
    detail: str
    severity: str | None = None  # None: the kind's severity (SEVERITY)
    amount: Decimal | None = None
    currency: str | None = None
    hours: Decimal | None = None
    event_date: date | None = None
    person_id: str | None = None
    project_id: str | None = None
    client_id: str | None = None
    invoice_id: str | None = None
    period: str | None = None
    value: Decimal | None = None
    evidence: dict | None = None
    suggested_action: str | None = None


FINDING_FIELDS = tuple(f.name for f in fields(Finding))


def as_finding(item) -> Finding:
    """A writer's own finding object as the typed Finding: the attributes it has, by name.
    Writers that build Finding directly pass through unchanged."""
    if isinstance(item, Finding):
        return item
    return Finding(**{name: getattr(item, name, None) for name in FINDING_FIELDS})


# what the ref of each kind names, most likely first (DATA_CONTRACT.md "Billing semantics")
REF_TYPES = {
    "unapproved_time": ["time_entry"],
    "missing_rate": ["time_entry"],
    "ambiguous_rate": ["time_entry"],
    "no_contract": ["time_entry", "expense"],
    "over_cap": ["contract"],
    "expired_rollover": ["contract"],
    "po_alert": ["contract"],
    "po_exceeded": ["contract"],
    "invalid_split": ["expense"],
    "missing_fx_rate": ["expense"],
    "unmatched_payment": ["payment"],
    "write_down": ["invoice"],
}
ANY_REF = ["time_entry", "expense", "contract", "payment", "invoice"]

SUGGESTED_ACTION = {
    "unapproved_time": "approve the time in the tracker, or mark it non-billable",
    "no_contract": "reassign to a project with a contract, or add a contract for the project",
    "missing_rate": "add a rate-card row covering the person, role and date",
    "ambiguous_rate": "fix the overlapping rate-card rows so exactly one applies",
    "over_cap": "agree a cap increase (change order) with the client, or accept the write-off",
    "po_alert": "ask the client for a PO extension before the limit is reached",
    "po_exceeded": "get a new or extended PO from the client before sending the invoice",
    "expired_rollover": "tell the client their banked retainer hours expired",
    "invalid_split": "fix the expense's split so the shares add up to 100",
    "missing_fx_rate": "load the fx_rates row for the expense date",
    "unmatched_payment": "apply the payment to an invoice or record it as a client credit",
}
EXPENSE_NO_CONTRACT = "move the expense to a project with a contract, or make it non-billable"
DEFAULT_ACTION = "review the source rows"

STATUS_AFTER = {
    "approve": "approved",
    "reject": "rejected",
    "snooze": "snoozed",
    "reassign": "reassigned",
    "mark_billable": "approved",
    "mark_non_billable": "approved",
    "reopen": "open",
}
ENTRY_ACTIONS = ("reassign", "mark_billable", "mark_non_billable")
ACTION_ARGUMENTS = {"snooze": ("until",), "reassign": ("project_id", "sow_line_id")}
# statuses that end when the condition is gone; approved/rejected verdicts stay on record
SETTLED_BY_RESOLUTION = ("open", "snoozed", "reassigned")
SCOPE_COLUMNS = ("period", "client_id", "project_id", "kind")

# --- sync -------------------------------------------------------------------------------

ENRICH_SQL = (Path(__file__).parent / "sql" / "exception_refs.sql").read_text()

REFRESH_SQL = """
UPDATE exceptions AS x SET
    source = f.source, severity = f.severity, client_id = f.client_id,
    project_id = f.project_id, period = f.period, value = f.value, currency = f.currency,
    amount = f.amount, amount_base = f.amount_base, hours = f.hours, event_date = f.event_date,
    person_id = f.person_id, invoice_id = f.invoice_id, detail = f.detail,
    evidence = f.evidence, suggested_action = f.suggested_action,
    last_seen_at = ?,
    status = CASE WHEN x.status = 'resolved' THEN 'open'
                  WHEN x.status = 'snoozed' AND x.snoozed_until <= ? THEN 'open'
                  ELSE x.status END,
    resolved_at = NULL, resolved_reason = NULL
FROM exception_found f
WHERE x.exception_id = f.exception_id
"""

INSERT_NEW_SQL = """
INSERT INTO exceptions (exception_id, kind, ref, source, severity, client_id, project_id,
    period, value, currency, amount, amount_base, hours, event_date, person_id, invoice_id,
    detail, evidence, suggested_action, status, first_seen_at, last_seen_at)
SELECT exception_id, kind, ref, source, severity, client_id, project_id, period, value,
       currency, amount, amount_base, hours, event_date, person_id, invoice_id, detail, evidence,
       suggested_action, 'open', ?, ?
FROM exception_found
WHERE exception_id NOT IN (SELECT exception_id FROM exceptions)
"""

SYNC_AUDIT_SQL = """
INSERT INTO audit_log
SELECT nextval('audit_id_seq'), ?, ?,
       CASE WHEN a.resolved_at IS NOT NULL THEN 'resolve'
            WHEN b.status = 'snoozed' THEN 'snooze_ended' ELSE 'reopen' END,
       'exception', a.exception_id, to_json(b), to_json(a),
       CASE WHEN a.resolved_at IS NOT NULL THEN a.resolved_reason
            WHEN b.status = 'snoozed' THEN 'snoozed until ' || b.snoozed_until || ' has passed'
            ELSE 'condition holds again after ' || a.source || ' run' END
FROM exception_before b JOIN exceptions a USING (exception_id)
WHERE a.status <> b.status OR a.resolved_at IS DISTINCT FROM b.resolved_at
ORDER BY a.exception_id
"""


def _text(value) -> str | None:
    return None if value is None else str(value)


def _found_frame(found: Iterable, source: str, scope: dict) -> pl.DataFrame:
    """One row per exception id; the same id found twice keeps each distinct detail. Every
    item is read as a typed Finding (as_finding); the optional facts let richer findings
    bring their own severity, money, dates, people and evidence."""
    rows: dict[str, dict] = {}
    for item in map(as_finding, found):
        exception_id = f"{item.kind}:{item.ref}"
        if exception_id in rows:
            row = rows[exception_id]
            if item.detail not in row["detail"].split("; "):
                row["detail"] += "; " + item.detail
            continue
        own_action = item.suggested_action
        rows[exception_id] = {
            "exception_id": exception_id,
            "kind": item.kind,
            "ref": item.ref,
            "source": source,
            "detail": item.detail,
            "ref_types": REF_TYPES.get(item.kind, ANY_REF),
            "severity": item.severity or SEVERITY.get(item.kind, DEFAULT_SEVERITY),
            "suggested_action": own_action or SUGGESTED_ACTION.get(item.kind, DEFAULT_ACTION),
            "own_action": own_action is not None,
            "value": _text(item.value),
            "amount": _text(item.amount),
            "hours": _text(item.hours),
            "event_date": _text(item.event_date),
            "currency": item.currency,
            "person_id": item.person_id,
            "client_id": item.client_id,
            "project_id": item.project_id,
            "invoice_id": item.invoice_id,
            "period": item.period,
            "evidence": None if item.evidence is None else json.dumps(item.evidence, default=str),
            "scope_period": scope.get("period"),
            "scope_client_id": scope.get("client_id"),
            "scope_project_id": scope.get("project_id"),
        }
    schema = {name: pl.Utf8 for name in FOUND_TEXT} | {
        "ref_types": pl.List(pl.Utf8),
        "own_action": pl.Boolean,
    }
    return pl.DataFrame(list(rows.values()), schema=schema)


FOUND_TEXT = (
    "exception_id",
    "kind",
    "ref",
    "source",
    "detail",
    "severity",
    "suggested_action",
    "value",
    "amount",
    "hours",
    "event_date",
    "currency",
    "person_id",
    "client_id",
    "project_id",
    "invoice_id",
    "period",
    "evidence",
    "scope_period",
    "scope_client_id",
    "scope_project_id",
)


def _scope_filter(source: str, scope: dict) -> tuple[str, list]:
    """SQL condition (and its parameters) for the rows one run of `source` over `scope` owns."""
    unknown = set(scope) - set(SCOPE_COLUMNS)
    if unknown:
        raise ValueError(f"scope keys {sorted(unknown)} unknown; use {list(SCOPE_COLUMNS)}")
    sql, params = "source = ?", [source]
    for column in sorted(scope):  # column names come from SCOPE_COLUMNS only
        sql += f" AND {column} IS NOT DISTINCT FROM ?"
        params.append(None if scope[column] is None else str(scope[column]))
    return sql, params


def sync_exceptions(
    con: duckdb.DuckDBPyConnection,
    found: list,
    source: str,
    scope: dict,
    actor: str = "system",
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Upserts one run's findings by '<kind>:<ref>' and resolves what the run no longer finds
    in its scope. Decisions stay; every status change the sync makes is audited as `actor`."""
    now = now or clock.now()
    owned, owned_params = _scope_filter(source, scope)
    reason = f"condition no longer holds after {source} run at {now.isoformat(timespec='seconds')}"
    gone = (
        f"{owned} AND resolved_at IS NULL "
        "AND exception_id NOT IN (SELECT exception_id FROM exception_found)"
    )
    with transaction(con):
        con.register("_found", _found_frame(found, source, scope))
        try:
            params = {
                "expense_action": EXPENSE_NO_CONTRACT,
                "high_from": HIGH_FROM,
                "medium_from": MEDIUM_FROM,
                "today": now.date(),
            }
            con.execute(ENRICH_SQL, params).fetchall()
        finally:
            con.unregister("_found")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE exception_before AS SELECT * FROM exceptions "
            f"WHERE exception_id IN (SELECT exception_id FROM exception_found) OR ({gone})",
            owned_params,
        ).fetchall()
        updated = _count(
            con,
            "SELECT count(*) FROM exception_found WHERE exception_id IN "
            "(SELECT exception_id FROM exceptions)",
        )
        new = _count(con, "SELECT count(*) FROM exception_found") - updated
        changed = (
            "SELECT exception_id FROM exception_before "
            "UNION ALL SELECT exception_id FROM exception_found"
        )
        stored.touch(con, changed)  # their groups as they were (a finding may move)
        con.execute(REFRESH_SQL, [now, now.date()]).fetchall()
        con.execute(INSERT_NEW_SQL, [now, now]).fetchall()
        resolved = _count(con, f"SELECT count(*) FROM exceptions WHERE {gone}", owned_params)
        con.execute(
            "UPDATE exceptions SET resolved_at = ?, resolved_reason = ?, status = CASE WHEN "
            f"status IN {SETTLED_BY_RESOLUTION} THEN 'resolved' ELSE status END WHERE {gone}",
            [now, reason, *owned_params],
        ).fetchall()
        con.execute(SYNC_AUDIT_SQL, [now, actor]).fetchall()
        stored.touch(con, changed)  # and as they are now
        stored.refresh(con)
        con.execute("DROP TABLE exception_before").fetchall()
        con.execute("DROP TABLE exception_found").fetchall()
    return {"new": new, "updated": updated, "resolved": resolved}


def _count(con, sql: str, params: list | None = None) -> int:
    return con.execute(sql, params or []).fetchall()[0][0]


# --- reading ----------------------------------------------------------------------------

# Which group a kind's findings are decided in: warehouse/exception_groups.py (the stored
# groups and the queue's rows share its keyed.sql).
GROUP_KINDS = stored.GROUP_KINDS
ROWS_SQL = (
    "WITH keyed AS (\n"
    + stored.KEYED_SQL
    + "),\n"
    + (Path(__file__).parent / "sql" / "exception_queue.sql").read_text()
)
QUEUE_SQL = (
    ROWS_SQL
    + """
SELECT * EXCLUDE (group_type) FROM queue_rows
WHERE ($severities IS NULL OR list_contains($severities, severity))
ORDER BY list_position($group_keys, group_key), age_days DESC, exception_id
LIMIT $limit OFFSET $offset
"""
)
# A group's severity: by its money at stake in base currency (HIGH_FROM, MEDIUM_FROM); with
# none of it priced, high when a finding of it is high (a kind that stops billing), else low.
GROUPS_SQL = (
    ROWS_SQL
    + """,
groups AS (
    SELECT group_key, any_value(kind) AS kind, any_value(group_type) AS group_type,
           any_value(group_label) AS group_label,
           string_agg(DISTINCT client_name, ', ' ORDER BY client_name) AS client_name,
           count(*) AS entries,
           sum(amount_base) AS amount_base,
           sum(hours) AS hours,
           max(age_days) AS age_days,
           min(event_date) AS first_event, max(event_date) AS last_event,
           min(CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END) AS worst,
           any_value(suggested_action ORDER BY exception_id) AS suggested_action,
           string_agg(DISTINCT status, ', ' ORDER BY status) AS status
    FROM queue_rows GROUP BY group_key
),
judged AS (
    SELECT * EXCLUDE (worst),
           CASE WHEN amount_base IS NULL THEN ['high', 'low', 'low'][worst]
                WHEN abs(amount_base) >= $high_from THEN 'high'
                WHEN abs(amount_base) >= $medium_from THEN 'medium'
                ELSE 'low' END AS severity
    FROM groups
)
SELECT * FROM judged
WHERE $severities IS NULL OR list_contains($severities, severity)
ORDER BY amount_base DESC NULLS LAST,
         CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         hours DESC NULLS LAST, entries DESC, group_key
"""
)


def _list(values) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else [str(v) for v in values]


def _today() -> date:
    return clock.today()


def _params(kinds, client_ids, severities, statuses, min_age_days, as_of) -> dict:
    return {
        "as_of": as_of or _today(),
        "kinds": _list(kinds),
        "client_ids": _list(client_ids),
        "severities": _list(severities),
        "statuses": _list(statuses),
        "min_age_days": min_age_days,
        "invoice_kinds": list(GROUP_KINDS["invoice"]),
        "project_kinds": list(GROUP_KINDS["project"]),
        "group_keys": None,
    }


def _typed(sql: str) -> str:
    for name in (
        "kinds",
        "client_ids",
        "severities",
        "statuses",
        "invoice_kinds",
        "project_kinds",
        "group_keys",
    ):
        sql = sql.replace(f"${name}", f"${name}::VARCHAR[]")
    sql = sql.replace("$limit", "$limit::BIGINT").replace("$offset", "$offset::BIGINT")
    return sql.replace("$min_age_days", "$min_age_days::INTEGER")


def queue(
    con: duckdb.DuckDBPyConnection,
    *,
    kinds=None,
    client_ids=None,
    severities=None,
    statuses=("open",),
    min_age_days: int | None = None,
    as_of: date | None = None,
    group_keys=None,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """The filtered queue, oldest event first, with age in days as of `as_of` (today, UTC), the
    names of its client, project and person, and the group each row is decided in (group_key,
    group_label); only the groups `group_keys` when given (picked before anything is named;
    their rows in the order of `group_keys`, oldest first in each), `limit` rows from `offset`
    when given (a page). A snooze whose date has come counts as
    open; statuses=None means all."""
    params = _params(kinds, client_ids, severities, statuses, min_age_days, as_of)
    params |= {"group_keys": _list(group_keys), "limit": limit, "offset": offset}
    return con.sql(_typed(QUEUE_SQL), params=params).pl()


def queue_count(
    con: duckdb.DuckDBPyConnection,
    *,
    kinds=None,
    client_ids=None,
    severities=None,
    statuses=("open",),
    min_age_days: int | None = None,
    as_of: date | None = None,
    group_keys=None,
) -> int:
    """How many rows queue() returns for the same filters, without reading them (the page
    counts its pages)."""
    params = _params(kinds, client_ids, severities, statuses, min_age_days, as_of)
    params["group_keys"] = _list(group_keys)
    count_sql = ROWS_SQL + (
        "\nSELECT count(*) FROM queue_rows "
        "WHERE $severities IS NULL OR list_contains($severities, severity)"
    )
    return con.execute(_typed(count_sql), params).fetchall()[0][0]


def groups(
    con: duckdb.DuckDBPyConnection,
    *,
    kinds=None,
    client_ids=None,
    severities=None,
    statuses=("open",),
    min_age_days: int | None = None,
    as_of: date | None = None,
) -> pl.DataFrame:
    """The queue as a person decides it: one row per group (a person's week, a project, an
    invoice, or a finding alone) with its count, money at stake in base currency (amount_base),
    hours and age, biggest money first. `severities` filters the groups' own severity (by
    their money); the other filters pick the findings the groups are made of."""
    params = _params(kinds, client_ids, severities, statuses, min_age_days, as_of)
    params |= {"high_from": HIGH_FROM, "medium_from": MEDIUM_FROM}
    return con.sql(_typed(GROUPS_SQL), params=params).pl()


SQL_DIR = Path(__file__).parent / "sql"
STORED_GROUPS_SQL = (SQL_DIR / "stored_groups.sql").read_text()
STORED_PAGE_SQL = (SQL_DIR / "stored_groups_page.sql").read_text()
BY_SEVERITY_SQL = """
SELECT severity, count(*) AS groups, sum(entries)::BIGINT AS findings, sum(amount_base) AS money,
       max(age_days) AS oldest_age_days
FROM judged GROUP BY severity
ORDER BY CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END
"""
# the findings whose snooze has come by $as_of (open on the page, snoozed in the table), and
# the missing_project finding a snoozed suggestion stops hiding
EXPIRED_SQL = """
SELECT exception_id FROM exceptions
WHERE status = 'snoozed' AND snoozed_until <= $as_of::DATE
UNION ALL
SELECT 'missing_project:' || ref FROM exceptions
WHERE kind = 'classify_suggestion' AND status = 'snoozed' AND snoozed_until <= $as_of::DATE
"""
SEVERITY_RANK = {"high": 1, "medium": 2, "low": 3}


def _stored_sql(con, as_of: date) -> str:
    """stored_groups.sql with the groups of ended snoozes recomputed as of `as_of` (none: the
    stored rows alone)."""
    expired = con.execute(
        "SELECT count(*) FROM exceptions WHERE status = 'snoozed' AND snoozed_until <= ?",
        [as_of],
    ).fetchall()[0][0]
    if not expired:
        return STORED_GROUPS_SQL.replace("/*PARTS*/", "SELECT * FROM exception_groups")
    redo = (
        f"SELECT DISTINCT k.group_key FROM ({stored.KEYED_SQL}) k "
        f"WHERE k.exception_id IN ({EXPIRED_SQL})"
    )
    rows = stored.GROUP_ROWS_SQL.replace("/*KEYS*/", "SELECT group_key FROM redo")
    parts = (
        f"WITH redo AS ({redo}) "
        "SELECT * FROM exception_groups WHERE group_key NOT IN (SELECT group_key FROM redo) "
        f"UNION ALL BY NAME SELECT * FROM ({rows})"
    )
    return STORED_GROUPS_SQL.replace("/*PARTS*/", parts)


def _reads_stored(con, statuses, min_age_days) -> bool:
    """The open queue is read from exception_groups; other statuses or a minimum age group
    the findings themselves (groups())."""
    return list(statuses or ()) == ["open"] and not min_age_days and stored.is_current(con)


def _stored_read(con, tail: str, params: dict) -> pl.DataFrame:
    sql = _stored_sql(con, params["as_of"]) + tail
    params = params | {"high_from": HIGH_FROM, "medium_from": MEDIUM_FROM}
    return con.sql(_typed(sql), params=_used(sql, params)).pl()


def group_page(
    con: duckdb.DuckDBPyConnection,
    *,
    kinds=None,
    client_ids=None,
    severities=None,
    statuses=("open",),
    min_age_days: int | None = None,
    as_of: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """groups() a page at a time (`limit` groups from `offset`), read from exception_groups for
    the open queue: the shown rows alone are named and sent, never every group."""
    params = _params(kinds, client_ids, severities, statuses, min_age_days, as_of)
    if _reads_stored(con, statuses, min_age_days):
        return _stored_read(con, STORED_PAGE_SQL, params | {"limit": limit, "offset": offset})
    every = groups(
        con,
        kinds=kinds,
        client_ids=client_ids,
        severities=severities,
        statuses=statuses,
        min_age_days=min_age_days,
        as_of=params["as_of"],
    )
    return every.slice(offset, limit)


def group_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    kinds=None,
    client_ids=None,
    statuses=("open",),
    min_age_days: int | None = None,
    as_of: date | None = None,
) -> pl.DataFrame:
    """Every group of the filtered findings counted per severity, in one aggregate (severity,
    groups, findings, money, oldest_age_days): the page says how many it hides without
    reading them."""
    params = _params(kinds, client_ids, None, statuses, min_age_days, as_of)
    if _reads_stored(con, statuses, min_age_days):
        return _stored_read(con, BY_SEVERITY_SQL, params)
    every = groups(
        con,
        kinds=kinds,
        client_ids=client_ids,
        statuses=statuses,
        min_age_days=min_age_days,
        as_of=params["as_of"],
    )
    return (
        every.group_by("severity")
        .agg(
            groups=pl.len(),
            findings=pl.col("entries").sum(),
            money=pl.col("amount_base").sum(),
            oldest_age_days=pl.col("age_days").max(),
        )
        .sort(pl.col("severity").replace_strict(SEVERITY_RANK))
    )


def _used(sql: str, params: dict) -> dict:
    """The named parameters `sql` names (DuckDB refuses ones it does not use)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def open_members(
    con: duckdb.DuckDBPyConnection, group_keys: list[str], as_of: date | None = None
) -> list[str]:
    """The exception ids still open in the groups, as the warehouse holds them now."""
    return queue(con, as_of=as_of, group_keys=list(group_keys))["exception_id"].to_list()


def _records(con, sql: str, params: list | None = None) -> list[dict]:
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _json(text):
    """JSON from the warehouse with exact decimals (money never becomes a float)."""
    return None if text is None else json.loads(text, parse_float=Decimal)


def _exception_row(con, exception_id: str) -> dict | None:
    rows = _records(con, "SELECT * FROM exceptions WHERE exception_id = ?", [exception_id])
    if not rows:
        return None
    rows[0]["evidence"] = _json(rows[0]["evidence"])
    return rows[0]


STAGED = "SELECT * EXCLUDE (_row_hash, _load_id, _source, _updated_at) FROM {} WHERE {} = ?"
LIVE_SQL = {
    "time_entry": [
        ("time_entry", STAGED.format("effective_time_entries", "entry_id")),
        ("imported", STAGED.format("time_entries", "entry_id")),
        ("overrides", "SELECT * FROM entry_overrides WHERE entry_id = ? ORDER BY field"),
        ("held_by_draft", "SELECT * FROM locked_sources WHERE source_id = ?"),
    ],
    "expense": [("expense", STAGED.format("expenses", "expense_id"))],
    "contract": [
        ("contract", STAGED.format("contracts", "contract_id")),
        ("workstreams", "SELECT * FROM contract_workstreams WHERE contract_id = ?"),
    ],
    "payment": [("payment", STAGED.format("payments", "payment_id"))],
}
SINGLE = ("time_entry", "imported", "expense", "contract", "payment")


def evidence(con: duckdb.DuckDBPyConnection, exception_id: str) -> dict:
    """The exception row, the evidence stored when it was last seen, the source rows as they
    are now (`live`: for an entry its effective row, the imported row, the overrides and any
    saved draft holding it) and the exception's audit trail, newest first."""
    row = _exception_row(con, exception_id)
    if row is None:
        raise ValueError(f"no exception {exception_id!r}")
    stored = row.pop("evidence") or {}
    ref_type = stored.get("ref_type")
    live: dict = {}
    for name, sql in LIVE_SQL.get(ref_type, []):
        found = _records(con, sql, [row["ref"]])
        live[name] = (found[0] if found else None) if name in SINGLE else found
    history = audit_trail(con, exception_id).to_dicts()
    for audit in history:
        audit["before"], audit["after"] = _json(audit["before"]), _json(audit["after"])
    return {
        "exception": row,
        "ref_type": ref_type,
        "evidence": stored,
        "live": live,
        "history": history,
    }


def audit_trail(
    con: duckdb.DuckDBPyConnection, object_id: str | None = None, limit: int = 200
) -> pl.DataFrame:
    """Audit rows, newest first: all of them, or one object's (an exception id, or an entry id
    for the overrides written on it)."""
    return con.sql(
        "SELECT * FROM audit_log WHERE $object_id::VARCHAR IS NULL OR object_id = $object_id "
        "ORDER BY audit_id DESC LIMIT $limit",
        params={"object_id": object_id, "limit": limit},
    ).pl()


# --- decisions --------------------------------------------------------------------------


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"snooze needs until= a date (YYYY-MM-DD), not {value!r}") from None


def _entry_of(con, exception: dict, action: str) -> dict:
    """The time entry an entry action changes; it must not be invoiced or held by a draft."""
    rows = _records(
        con,
        "SELECT e.entry_id, e.invoice_id, coalesce(e.locked, false) AS locked, "
        "(SELECT min(draft_id) FROM locked_sources WHERE source_id = e.entry_id) AS draft_id "
        "FROM effective_time_entries e WHERE e.entry_id = ?",
        [exception["ref"]],
    )
    if not rows:
        raise ValueError(
            f"{action} applies to time entries; {exception['exception_id']} "
            f"refers to {exception['ref']}, which is not a time entry"
        )
    entry = rows[0]
    if entry["invoice_id"] or entry["locked"] or entry["draft_id"] is not None:
        held = entry["invoice_id"] or (
            f"saved draft {entry['draft_id']}" if entry["draft_id"] is not None else "a lock"
        )
        raise ValueError(
            f"entry {entry['entry_id']} is already held by {held}; "
            f"it cannot be changed from the queue"
        )
    return entry


def _reassign_target(con, project_id: str | None, sow_line_id: str | None) -> dict[str, str | None]:
    """The override fields of a reassignment, checked against projects and SOW lines. A new
    project without a SOW line clears the entry's old line (it belonged to the old project)."""
    if project_id is None and sow_line_id is None:
        raise ValueError("reassign needs project_id= and/or sow_line_id=")
    if sow_line_id is not None:
        line = _records(
            con, "SELECT project_id FROM sow_lines WHERE sow_line_id = ?", [sow_line_id]
        )
        if not line:
            raise ValueError(f"unknown SOW line {sow_line_id!r}")
        if project_id is not None and line[0]["project_id"] != project_id:
            raise ValueError(
                f"SOW line {sow_line_id!r} belongs to project "
                f"{line[0]['project_id']!r}, not {project_id!r}"
            )
        project_id = line[0]["project_id"]
    if not _records(con, "SELECT 1 FROM projects WHERE project_id = ?", [project_id]):
        raise ValueError(f"unknown project {project_id!r}")
    return {"project_id": project_id, "sow_line_id": sow_line_id}


def _validate(con, exception_ids: list[str], action: str, actor: str, kw: dict) -> list[dict]:
    """Everything checked before anything is written: the action, the actor, the ids and the
    action's arguments."""
    if action not in STATUS_AFTER:
        raise ValueError(f"unknown action {action!r}; use one of {sorted(STATUS_AFTER)}")
    if not actor or not str(actor).strip():
        raise ValueError("a decision needs an actor")
    if not exception_ids:
        raise ValueError("no exception ids given")
    unknown_kw = set(kw) - set(ACTION_ARGUMENTS.get(action, ()))
    if unknown_kw:
        raise ValueError(f"{action} does not take {sorted(unknown_kw)}")
    rows = [_exception_row(con, exception_id) for exception_id in exception_ids]
    missing = [i for i, row in zip(exception_ids, rows) if row is None]
    if missing:
        raise ValueError(f"unknown exception ids: {missing}")
    resolved = [row["exception_id"] for row in rows if row["status"] == "resolved"]
    if resolved:
        raise ValueError(f"already resolved (the condition no longer holds): {resolved}")
    if action == "snooze":
        until = _as_date(kw.get("until"))
        if until <= _today():
            raise ValueError(f"snooze until {until} is not in the future")
    for row in rows if action in ENTRY_ACTIONS else []:
        _entry_of(con, row, action)
    return rows


def _override_fields(con, action: str, kw: dict) -> dict[str, str | None]:
    if action == "reassign":
        return _reassign_target(con, kw.get("project_id"), kw.get("sow_line_id"))
    if action in ("mark_billable", "mark_non_billable"):
        return {"billable": "true" if action == "mark_billable" else "false"}
    return {}


ENTRY_STATE_SQL = """
SELECT to_json({'entry_id': e.entry_id, 'project_id': e.project_id,
                'sow_line_id': e.sow_line_id, 'billable': e.billable,
                'work_type': e.work_type,
                'overrides': (SELECT map(list(field ORDER BY field), list(value ORDER BY field))
                              FROM entry_overrides o WHERE o.entry_id = e.entry_id)})
FROM effective_time_entries e WHERE e.entry_id = ?
"""

UPSERT_OVERRIDE_SQL = """
INSERT INTO entry_overrides VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (entry_id, field) DO UPDATE SET value = excluded.value,
    decided_at = excluded.decided_at, decided_by = excluded.decided_by,
    audit_id = excluded.audit_id
"""

AUDIT_SQL = "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

DECIDE_SQL = """
UPDATE exceptions SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?,
    snoozed_until = ?
WHERE exception_id = ?
"""


def _next_audit_id(con) -> int:
    return con.execute("SELECT nextval('audit_id_seq')").fetchall()[0][0]


def _write_overrides(
    con,
    entry_id: str,
    fields: dict,
    action: str,
    actor: str,
    reason: str | None,
    now: datetime,
    exception_id: str,
) -> None:
    """The entry's overrides and one audit row (object: the time entry) with its state
    before and after, so the decision outlives re-imports and can be traced."""
    before = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    audit_id = _next_audit_id(con)
    for field, value in fields.items():
        con.execute(UPSERT_OVERRIDE_SQL, [entry_id, field, value, now, actor, audit_id]).fetchall()
    after = con.execute(ENTRY_STATE_SQL, [entry_id]).fetchall()[0][0]
    con.execute(
        AUDIT_SQL,
        [
            audit_id,
            now,
            actor,
            action,
            "time_entry",
            entry_id,
            before,
            after,
            reason or f"via {exception_id}",
        ],
    ).fetchall()


def decide(
    con: duckdb.DuckDBPyConnection,
    exception_ids: list[str] | str,
    action: str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
    pause: Callable[[], None] | None = None,
    **kw,
) -> None:
    """Records one decision on one or more exceptions, all or nothing, one audit row each:
    approve, reject, snooze (until=date), reassign (project_id= and/or sow_line_id=; writes
    entry_overrides), mark_billable / mark_non_billable (entry_overrides), reopen (undo).
    A bad action, id or target raises ValueError and writes nothing.

    The checks and the writes are one transaction, so a decision is checked against the state
    it is applied to: of two sessions deciding the same exception at once, the second sees the
    first's decision (its audit row's `before`), or fails with WarehouseBusy when their writes
    overlap; neither is lost. `pause()`, when given, is called between the checks and the
    writes: the seam the race tests use."""
    guard.require("decide_exceptions", actor)
    decide_unchecked(con, exception_ids, action, actor, reason, now=now, pause=pause, **kw)


def decide_unchecked(
    con: duckdb.DuckDBPyConnection,
    exception_ids: list[str] | str,
    action: str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
    pause: Callable[[], None] | None = None,
    **kw,
) -> None:
    """decide() without the role check, for a write that was checked for its own permission
    and decides an exception as its consequence (an AR allocation settles its payment's)."""
    ids = list(dict.fromkeys([exception_ids] if isinstance(exception_ids, str) else exception_ids))
    with transaction(con):
        _decide_in(con, ids, action, actor, reason, now or clock.now(), pause, kw)


def decide_group(
    con: duckdb.DuckDBPyConnection,
    group_keys: list[str] | str,
    action: str,
    actor: str,
    reason: str | None = None,
    *,
    now: datetime | None = None,
    as_of: date | None = None,
    pause: Callable[[], None] | None = None,
    **kw,
) -> int:
    """One decision on every finding still open in the groups (queue()'s group_key), with
    decide()'s role check, checks and audit rows; returns how many it decided. The members are
    read inside the decision's transaction, so of two sessions deciding the same group in the
    same second the second finds nothing left open and is refused: nothing is applied twice."""
    guard.require("decide_exceptions", actor)
    keys = [group_keys] if isinstance(group_keys, str) else list(group_keys)
    now = now or clock.now()
    with transaction(con):
        ids = open_members(con, keys, as_of=as_of or now.date())
        if not ids:
            raise ValueError("nothing in this group is open any more: it was decided already")
        _decide_in(con, ids, action, actor, reason, now, pause, kw)
    return len(ids)


def _decide_in(
    con, ids: list[str], action: str, actor: str, reason: str | None, now: datetime, pause, kw: dict
) -> None:
    """decide()'s checks and writes, inside the caller's transaction."""
    rows = _validate(con, ids, action, actor, kw)
    fields = _override_fields(con, action, kw)
    until = _as_date(kw["until"]) if action == "snooze" else None
    if pause is not None:
        pause()
    for row in rows:
        exception_id = row["exception_id"]
        before = _to_json(con, exception_id)
        if fields:
            _write_overrides(con, row["ref"], fields, action, actor, reason, now, exception_id)
        con.execute(
            DECIDE_SQL, [STATUS_AFTER[action], now, actor, reason, until, exception_id]
        ).fetchall()
        con.execute(
            AUDIT_SQL,
            [
                _next_audit_id(con),
                now,
                actor,
                action,
                "exception",
                exception_id,
                before,
                _to_json(con, exception_id),
                reason,
            ],
        ).fetchall()
    stored.touch_ids(con, ids)  # a decision moves no finding to another group: once is enough
    stored.refresh(con)


def _to_json(con, exception_id: str) -> str:
    return con.execute(
        "SELECT to_json(x) FROM exceptions x WHERE exception_id = ?", [exception_id]
    ).fetchall()[0][0]
