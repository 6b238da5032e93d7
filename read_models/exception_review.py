"""What the Exceptions page reads: the filtered queue and its headline numbers, one exception's
evidence, the audit trail, and the projects and SOW lines work can be reassigned to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import polars as pl

from core.csv_safe import frame_csv
from exception_queue import findings
from read_models.sql_files import sql
from rules.llm_review import kinds as review_kinds
from warehouse.sessions import Db, read_only

SEVERITIES = ("high", "medium", "low")
DEFAULT_SEVERITIES = ("high", "medium")  # the default view: groups with money at stake
# Every kind in the words a person reads (the page, its CSV, the audit log); the review pass's
# kinds are spelled out by rules.llm_review.kinds.
KIND_WORDS = {
    "missing_project": "Time without a project",
    "classify_suggestion": "Suggested project for time",
    "classify_failed": "Time the classifier could not place",
    "unbilled_time": "Approved time not invoiced",
    "unapproved_time": "Time not approved",
    "approval_overdue": "Approval overdue",
    "nonbillable_suspect": "Non-billable time that looks billable",
    "under_reported_week": "Week under-reported",
    "chronic_under_reporting": "Chronic under-reporting",
    "team_under_reporting": "Team under-reporting",
    "missing_timesheet": "Timesheet not submitted",
    "missed_meeting_time": "Meeting time not logged",
    "long_day": "Long day",
    "time_after_end": "Time after the project's end",
    "time_on_completed_project": "Time on a completed project",
    "budget_alert": "Budget alert",
    "milestone_burn_ahead": "Budget burning ahead of progress",
    "milestone_not_invoiced": "Milestone reached, not invoiced",
    "write_down": "Invoice below the rate card",
    "over_cap": "Over the contract cap",
    "expired_rollover": "Banked retainer hours expired",
    "po_alert": "PO nearly used up",
    "po_exceeded": "PO exceeded",
    "no_contract": "Work without a contract",
    "missing_rate": "No rate for the work",
    "ambiguous_rate": "Two rates for the work",
    "invalid_split": "Expense split does not add up",
    "missing_fx_rate": "Exchange rate missing",
    "invalid_contract": "Contract cannot be drafted",
    "expense_no_receipt": "Expense without a receipt",
    "unmatched_payment": "Payment not matched to an invoice",
    "payment_missing_fx_rate": "Payment exchange rate missing",
    "payment_unknown_client": "Payment from an unknown client",
    "payment_negative": "Negative payment",
    "payment_before_invoice": "Payment dated before its invoice",
    "credit_memo_unknown_invoice": "Credit memo names no invoice",
    "paid_not_recorded": "Paid in the accounting system, payment not imported",
}
GROUP_WORDS = {
    "person_week": "Person, week",
    "project": "Project",
    "invoice": "Invoice",
    "item": "Single finding",
}
ACTION_WORDS = {
    "approve": "Approved",
    "reject": "Rejected",
    "snooze": "Snoozed",
    "reassign": "Reassigned",
    "mark_billable": "Marked billable",
    "mark_non_billable": "Marked non-billable",
    "reopen": "Reopened",
    "resolve": "Resolved",
    "snooze_ended": "Snooze ended",
    "classify_undo": "Suggestion undone",
    "classify_accept": "Suggestion accepted",
}


def kind_words(kind: str | None) -> str:
    """A kind as a person reads it: never snake_case."""
    if kind is None:
        return ""
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    spelled = review_kinds.plain(kind)
    return spelled if spelled != kind else kind.replace("_", " ").capitalize()


def action_words(action: str | None) -> str:
    if action is None:
        return ""
    return ACTION_WORDS.get(action, action.replace("_", " ").capitalize())


STATUSES = ("open", "snoozed", "approved", "rejected", "reassigned", "resolved")


@dataclass(frozen=True)
class QueueFilters:
    """The page's filter choices; an empty choice keeps everything."""

    kinds: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("open",)
    min_age_days: int | None = None


@dataclass(frozen=True)
class FilterOptions:
    kinds: list[str] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=dict)  # client_id -> name

    @property
    def is_empty(self) -> bool:
        """No exception has ever been recorded."""
        return not self.kinds


@dataclass(frozen=True)
class QueueSummary:
    exception_count: int
    high_count: int
    oldest_age_days: int | None
    client_count: int


def filter_options(db: Db = None) -> FilterOptions:
    """The kinds and clients that occur among all exceptions, whatever their status."""
    with read_only(db) as con:
        rows = con.sql(sql("exceptions/filter_options")).pl()
    clients = rows.drop_nulls("client_id").unique("client_id").sort("client_name")
    return FilterOptions(
        kinds=sorted(rows["kind"].unique()),
        clients=dict(zip(clients["client_id"], clients["client_name"], strict=True)),
    )


def clients_offered(options: FilterOptions, sidebar: tuple[str, ...]) -> dict[str, str]:
    """The clients the queue's Client picker offers: with the sidebar's client filter set, only
    those clients (so the page keeps the sidebar's meaning), else every client with exceptions."""
    if not sidebar:
        return dict(options.clients)
    return {cid: options.clients.get(cid, cid) for cid in sidebar}


def exception_queue(
    filters: QueueFilters,
    db: Db = None,
    as_of: date | None = None,
    group_keys: tuple[str, ...] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """The exceptions that pass the filters (of the groups `group_keys` only, in their order,
    when given: the page reads the findings of the groups it shows, not the whole queue),
    `limit` rows from `offset` when given (the page shown)."""
    with read_only(db) as con:
        return findings.queue(
            con,
            kinds=list(filters.kinds) or None,
            client_ids=list(filters.client_ids) or None,
            severities=list(filters.severities) or None,
            statuses=list(filters.statuses) or None,  # None: every status
            min_age_days=filters.min_age_days or None,
            as_of=as_of,
            group_keys=None if group_keys is None else list(group_keys),
            limit=limit,
            offset=offset,
        )


def _group_filters(filters: QueueFilters) -> dict:
    return {
        "kinds": list(filters.kinds) or None,
        "client_ids": list(filters.client_ids) or None,
        "statuses": list(filters.statuses) or None,
        "min_age_days": filters.min_age_days or None,
    }


def exception_groups(
    filters: QueueFilters, db: Db = None, as_of: date | None = None
) -> pl.DataFrame:
    """Every group of the findings that pass the filters, whatever its severity, biggest money
    first (grouped from the findings: the tests' reference for the stored groups)."""
    with read_only(db) as con:
        return findings.groups(con, as_of=as_of, **_group_filters(filters))


def group_page(
    filters: QueueFilters,
    db: Db = None,
    as_of: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """The groups of the severities picked (all when none), biggest money first, `limit` from
    `offset`: what the page's table shows (exception_queue.findings.group_page)."""
    with read_only(db) as con:
        return findings.group_page(
            con,
            severities=list(filters.severities) or None,
            as_of=as_of,
            limit=limit,
            offset=offset,
            **_group_filters(filters),
        )


def group_counts(filters: QueueFilters, db: Db = None, as_of: date | None = None) -> pl.DataFrame:
    """Every group of the filtered findings counted per severity (one aggregate)."""
    with read_only(db) as con:
        return findings.group_counts(con, as_of=as_of, **_group_filters(filters))


def base_currency(db: Db = None) -> str:
    """What group money is counted in."""
    with read_only(db) as con:
        rows = con.sql("SELECT coalesce(max(base_currency), 'USD') FROM firm").fetchall()
    return rows[0][0]


@dataclass(frozen=True)
class GroupSummary:
    groups: int
    findings: int
    money: Decimal
    hidden_groups: int  # groups of the severities not picked
    oldest_age_days: int | None


def summarize_counts(counts: pl.DataFrame, severities: tuple[str, ...]) -> GroupSummary:
    """The headline of the groups shown (the severities picked, all when none) and how many
    groups the others hold, from group_counts()."""
    picked = counts.filter(pl.col("severity").is_in(list(severities or SEVERITIES)))
    money = picked["money"].drop_nulls()
    return GroupSummary(
        groups=int(picked["groups"].sum()),
        findings=int(picked["findings"].sum()) if picked.height else 0,
        money=Decimal(str(money.sum())) if money.len() else Decimal("0.00"),
        hidden_groups=int(counts["groups"].sum()) - int(picked["groups"].sum()),
        oldest_age_days=picked["oldest_age_days"].max() if picked.height else None,
    )


def groups_csv_of(filters: QueueFilters, db: Db = None) -> str:
    """Every group the filters pick (not only the page shown) as CSV: read when the person
    clicks the download, never on a run of the page."""
    return groups_csv(group_page(filters, db))


def findings_csv_of(filters: QueueFilters, group_keys: tuple[str, ...], db: Db = None) -> str:
    """Every finding of the groups as CSV, in the groups' order: read on the click."""
    return rows_csv(
        exception_queue(replace(filters, severities=()), db, group_keys=tuple(group_keys))
    )


def _names_for_ids(text: str | None, pairs: list[tuple[str | None, str | None]]) -> str | None:
    """`text` with each id (a whole token) replaced by its name."""
    if not text:
        return text
    for id_, name in pairs:
        if id_ and name and id_ != name:
            text = re.sub(rf"(?<![\w-]){re.escape(id_)}(?![\w-])", name, text)
    return text


def readable(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows' text in names, not ids: the kind in words, and the person, project and
    client ids in the detail replaced by their names."""
    if rows.is_empty():
        return rows.with_columns(kind_label=pl.lit(None, pl.String))
    details = [
        _names_for_ids(
            r["detail"],
            [
                (r["person_id"], r["person_name"]),
                (r["project_id"], r["project_name"]),
                (r["client_id"], r["client_name"]),
            ],
        )
        for r in rows.select(
            "detail",
            "person_id",
            "person_name",
            "project_id",
            "project_name",
            "client_id",
            "client_name",
        ).iter_rows(named=True)
    ]
    return rows.with_columns(
        detail=pl.Series(details, dtype=pl.String),
        kind_label=pl.col("kind").map_elements(kind_words, return_dtype=pl.String),
    )


# The CSV a person downloads: plain headers, names, kinds in words.
CSV_COLUMNS = {
    "group_label": "Group",
    "kind_label": "Kind",
    "severity": "Severity",
    "status": "Status",
    "person_name": "Person",
    "project_name": "Project",
    "client_name": "Client",
    "ref": "Reference",
    "event_date": "Date",
    "hours": "Hours",
    "amount": "Money at stake",
    "currency": "Currency",
    "amount_base": "Money at stake (base currency)",
    "age_days": "Age (days)",
    "detail": "Detail",
    "suggested_action": "Suggested action",
    "decided_by": "Decided by",
    "decision_reason": "Decision reason",
}
GROUP_CSV_COLUMNS = {
    "severity": "Severity",
    "kind_label": "Kind",
    "group_words": "Grouped by",
    "group_label": "Group",
    "client_name": "Client",
    "entries": "Findings",
    "amount_base": "Money at stake (base currency)",
    "hours": "Hours",
    "age_days": "Oldest (days)",
    "first_event": "First event",
    "last_event": "Last event",
    "suggested_action": "Suggested action",
}


def rows_csv(rows: pl.DataFrame) -> str:
    """The findings as CSV a person reads: one line per finding with its group, plain headers,
    names not ids; formula cells neutralised (core.csv_safe)."""
    table = readable(rows)
    return frame_csv(table.select(list(CSV_COLUMNS)).rename(CSV_COLUMNS))


def groups_csv(groups: pl.DataFrame) -> str:
    """The groups as CSV, in the page's order and words."""
    table = groups.with_columns(
        kind_label=pl.col("kind").map_elements(kind_words, return_dtype=pl.String),
        group_words=pl.col("group_type").replace_strict(GROUP_WORDS, default="Single finding"),
    )
    return frame_csv(table.select(list(GROUP_CSV_COLUMNS)).rename(GROUP_CSV_COLUMNS))


def summarize(queue: pl.DataFrame) -> QueueSummary:
    return QueueSummary(
        exception_count=queue.height,
        high_count=queue.filter(pl.col("severity") == "high").height,
        oldest_age_days=queue["age_days"].max() if queue.height else None,
        client_count=queue["client_id"].drop_nulls().n_unique(),
    )


def queue_csv(queue: pl.DataFrame) -> str:
    """The queue as CSV: lists joined with ';', nested records as JSON text, formula cells
    neutralised (core.csv_safe)."""
    flat = []
    for name, dtype in queue.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            flat.append(pl.col(name).cast(pl.List(pl.String)).list.join(";"))
        elif isinstance(dtype, pl.Struct):
            flat.append(pl.col(name).struct.json_encode())
    return frame_csv(queue.with_columns(flat))


# the names a source row's ids stand for (names, not ids, on the page)
NAMES_SQL = {
    "person_id": ("person", "SELECT person_id, name FROM people WHERE list_contains(?, person_id)"),
    "project_id": (
        "project",
        "SELECT project_id, name FROM projects WHERE list_contains(?, project_id)",
    ),
    "client_id": (
        "client",
        "SELECT client_id, name FROM clients WHERE list_contains(?, client_id)",
    ),
}


def evidence(exception_id: str, db: Db = None) -> dict:
    """The exception, the evidence stored when it was last seen, the source rows as they are now
    (`live`) and its history: billing's evidence(), with each live row's person, project and
    client named beside its id."""
    with read_only(db) as con:
        found = findings.evidence(con, exception_id)
        rows = [r for r in found["live"].values() if isinstance(r, dict)]
        for field, (name, query) in NAMES_SQL.items():
            ids = sorted({r[field] for r in rows if r.get(field)})
            if not ids:
                continue
            names = dict(con.execute(query, [ids]).fetchall())
            for r in rows:
                if r.get(field) in names and name not in r:
                    r[name] = names[r[field]]
        return found


@dataclass(frozen=True)
class EvidenceView:
    """A part of an exception's evidence laid out to read: its single rows side by side, one line
    per field (a column per row: the effective entry beside the imported one), and its lists of
    rows (overrides, workstreams, drafts holding the entry) as tables."""

    records: pl.DataFrame
    tables: dict[str, pl.DataFrame]


def evidence_view(section: dict) -> EvidenceView:
    records = {name: value for name, value in section.items() if isinstance(value, dict)}
    facts = {k: v for k, v in section.items() if not isinstance(v, dict | list) and k != "ref_type"}
    if facts:
        records["details"] = facts
    fields = list(dict.fromkeys(field for record in records.values() for field in record))
    named = {f for f in fields if f.endswith("_id") and f[:-3] in fields}  # person_id + person
    fields = [f for f in fields if f not in named]
    columns = {name: [_as_text(record.get(f)) for f in fields] for name, record in records.items()}
    table = pl.DataFrame(
        {"field": fields} | columns, schema={c: pl.String for c in ["field", *columns]}
    )
    table = table.with_columns(pl.col("field").map_elements(field_words, return_dtype=pl.String))
    return EvidenceView(
        records=table.filter(pl.any_horizontal(pl.exclude("field").is_not_null())),
        tables={
            name: pl.DataFrame(
                [{field_words(k): _as_text(v) for k, v in row.items()} for row in rows]
            )
            for name, rows in section.items()
            if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
        },
    )


def field_words(name: str) -> str:
    """An evidence field as a person reads it: `person_id` -> "Person (id)", `hours` ->
    "Hours"."""
    if name.endswith("_id"):
        return name[:-3].replace("_", " ").capitalize() + " (id)"
    return name.replace("_", " ").capitalize()


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 0E-8 -> 0, 315.0000 -> 315
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def audit_trail(object_id: str | None = None, limit: int = 200, db: Db = None) -> pl.DataFrame:
    """Who decided what and why, newest first; one object's entries when `object_id` is given."""
    with read_only(db) as con:
        return findings.audit_trail(con, object_id=object_id, limit=limit)


def object_words(what: str | None) -> str | None:
    """The audit page's "to what" for an exception in words: "exception
    unbilled_time:TE-1" -> "Approved time not invoiced · TE-1"; anything else as it is."""
    if not what or not what.startswith("exception ") or ":" not in what:
        return what
    kind, ref = what.removeprefix("exception ").split(":", 1)
    return f"{kind_words(kind)} · {ref}"


def readable_audit(audit: pl.DataFrame) -> pl.DataFrame:
    """Audit rows in words: the action spelled out, and what it is about as the kind in words
    and its reference (`missing_project:TE-1` -> "Time without a project · TE-1")."""
    if audit.is_empty():
        return audit
    about = [
        f"{kind_words(o.split(':', 1)[0])} · {o.split(':', 1)[1]}"
        if t == "exception" and o and ":" in o
        else o
        for t, o in zip(audit["object_type"], audit["object_id"], strict=True)
    ]
    return audit.with_columns(
        action=audit["action"].map_elements(action_words, return_dtype=pl.String),
        object_id=pl.Series(about, dtype=pl.String),
    )


def reassign_targets(db: Db = None) -> pl.DataFrame:
    """Projects and their SOW lines (project_id, sow_line_id, label, client_name, is_billable)."""
    with read_only(db) as con:
        return con.sql(sql("exceptions/reassign_targets")).pl()
