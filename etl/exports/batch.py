"""Turning mapped export rows into one canonical batch (people, clients, projects,
entries) with row problems quarantined by line."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from etl.exports.cells import DateColumn, bool_text, has_tag, normalize_time, parse_bool
from etl.exports.names import UNKNOWN_ROLE, KnownNames, clean, entity_id, entry_digest, name_key
from etl.exports.table import ExportSpec, RowError, RowProblem, Table, read_table

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "name", "currency"),
    "projects": ("project_id", "name", "client_id", "code"),
    "people": ("person_id", "name", "role", "email", "team", "employment"),
    "sow_lines": ("sow_line_id", "project_id", "code", "description"),
    "time_entries": (
        "entry_id",
        "person_id",
        "date",
        "hours",
        "project_id",
        "sow_line_id",
        "notes",
        "billable",
        "work_type",
        "source",
        "source_id",
        "approved_at",
        "invoice_id",
        "locked",
    ),
}


@dataclass
class ExportBatch:
    frames: dict[str, pl.DataFrame]  # keys of FRAME_COLUMNS
    errors: list[RowError]  # rows that could not be parsed at all
    skipped: list[RowError] = field(default_factory=list)  # Total rows, footers: dropped on purpose
    warnings: list[str] = field(default_factory=list)  # file-level notes (encoding, date format)


class BatchBuilder:
    """Collects one export's canonical rows: entities by name (reused or new), then entries."""

    def __init__(self, source: str, table: Table, known: KnownNames):
        self.source, self.table, self.known = source, table, known
        self.errors = list(table.bad)
        self.warnings = [f"{table.file}: {n}" for n in table.notes]
        self._order = {k: (*cols, "_line") for k, cols in FRAME_COLUMNS.items()}
        self._rows: dict[str, list[list]] = {k: [] for k in FRAME_COLUMNS}
        self._resolved: dict[tuple, str | None] = {}
        self._new_ids: dict[str, dict[str, str]] = {k: {} for k in FRAME_COLUMNS}  # id -> owner
        self._occurrences: Counter[str] = Counter()

    def dates(self, *fields: str, default_order: str = "MDY") -> DateColumn:
        column = DateColumn(self.table.values(*fields), default_order)
        if column.warning:
            self.warnings.append(
                f"{self.table.file}: {self.table.label(fields[0])}: {column.warning}"
            )
        return column

    def error(self, line: int, reason: str, cells: list[str]) -> None:
        self.errors.append(RowError(self.table.file, line, reason, self.table.raw(cells)))

    def _emit(self, frame: str, line: int, **values: str | None) -> None:
        values["_line"] = line
        self._rows[frame].append([values.get(c) or None for c in self._order[frame]])

    def _new(self, frame: str, entity_id: str, owner: str, line: int, **values) -> str:
        """Emits a new entity once; an id that exists already is reused, never overwritten."""
        if entity_id not in self.known.ids[frame] and entity_id not in self._new_ids[frame]:
            self._new_ids[frame][entity_id] = owner
            self._emit(frame, line, **{FRAME_COLUMNS[frame][0]: entity_id}, **values)
        return entity_id

    def client(self, name: str, currency: str | None, line: int) -> str | None:
        key = ("client", name_key(name))
        if not key[1]:
            return None
        if key not in self._resolved:
            found = self.known.clients.get(key[1])
            self._resolved[key] = found or self._new(
                "clients",
                entity_id(self.source, "client", name),
                key[1],
                line,
                name=clean(name),
                currency=currency or self.known.default_currency,
            )
        return self._resolved[key]

    def project(self, client_id: str | None, client: str, name: str, code: str, line: int):
        key = ("project", client_id or "", name_key(name))
        if not key[2]:
            return None
        if key not in self._resolved:
            found = self.known.projects.get(key[1:]) or self.known.project_codes.get(name_key(code))
            self._resolved[key] = found or self._new(
                "projects",
                entity_id(self.source, "project", client, name),
                key[2],
                line,
                name=clean(name),
                client_id=client_id,
                code=clean(code),
            )
        return self._resolved[key]

    def task(self, project_id: str | None, client: str, project: str, task: str, line: int):
        key = ("task", project_id, name_key(task))
        if not project_id or not key[2]:
            return None
        if key not in self._resolved:
            found = self.known.sow_lines.get(key[1:])
            self._resolved[key] = found or self._new(
                "sow_lines",
                entity_id(self.source, "task", client, project, task),
                key[2],
                line,
                project_id=project_id,
                code=clean(task),
                description=clean(task),
            )
        return self._resolved[key]

    def person(self, name: str, email: str, line: int, **details: str | None) -> str | None:
        """By email, else by name (unless the known namesake has another email), else new."""
        email, who = email.strip().lower(), name_key(name)
        key = ("person", email or f"name:{who}")
        if not email and not who:
            return None
        if key not in self._resolved:
            found = self.known.people.get(email) if email else None
            namesake = self.known.people_by_name.get(who)
            namesake_email = self.known.person_emails.get(namesake, "")
            if not found and namesake and (not email or namesake_email in ("", email)):
                found = namesake
            self._resolved[key] = found or self._new_person(name, email, key[1], line, details)
        return self._resolved[key]

    def _new_person(self, name: str, email: str, owner: str, line: int, details: dict) -> str:
        person_id = entity_id(self.source, "person", name or email.split("@")[0])
        taken = self._new_ids["people"].get(person_id, owner) != owner
        if taken or person_id in self.known.ids["people"]:  # a namesake with another email
            person_id = f"{person_id}-{hashlib.sha1(owner.encode()).hexdigest()[:6]}"
        details = {"role": UNKNOWN_ROLE} | {k: v for k, v in details.items() if v}
        return self._new(
            "people", person_id, owner, line, name=clean(name) or email, email=email, **details
        )

    def entry(self, line: int, key: tuple[str, ...], **values: str | None) -> str:
        """A time entry; its id hashes `key` (never the hours) plus a counter for exact repeats."""
        base = f"{self.source}-{entry_digest((self.source, *key))}"
        self._occurrences[base] += 1
        count = self._occurrences[base]
        entry_id = base if count == 1 else f"{base}-{count}"
        self._emit(
            "time_entries",
            line,
            entry_id=entry_id,
            source=self.source,
            source_id=entry_id,
            **values,
        )
        return entry_id

    def batch(self) -> ExportBatch:
        frames = {}
        for name, rows in self._rows.items():
            schema = dict.fromkeys(FRAME_COLUMNS[name], pl.Utf8) | {"_line": pl.Int64}
            frame = pl.DataFrame(rows, schema=schema, orient="row")
            frames[name] = frame.with_columns(_file=pl.lit(self.table.file, dtype=pl.Utf8))
        return ExportBatch(frames, self.errors, list(self.table.skipped), self.warnings)


def parse_user_export(
    path: Path, known: KnownNames, spec: ExportSpec, hours_of, table: Table | None = None
) -> ExportBatch:
    """Toggl and Clockify detailed reports: a row per entry with User/Email, Start date/time,
    Client/Project/Task, Description, Billable, Tags (and Group, a team). `hours_of(row, table)`
    returns the canonical hours or raises RowProblem. A tag with the word "rush" makes a rush entry.
    `table`: the file already read (Clockify looks at its columns first).
    """
    table = table if table is not None else read_table(path, spec)
    batch = BatchBuilder(spec.source, table, known)
    dates = batch.dates("start_date", "end_date")
    for line, row, cells in table.records():
        try:
            day = dates.iso(row["start_date"], table.label("start_date"))
            hours = hours_of(row, table)
        except RowProblem as problem:
            batch.error(line, str(problem), cells)
            continue
        person = batch.person(row["user"], row["email"], line, team=row.get("group"))
        if person is None:
            batch.error(line, f"{table.label('user')}: empty user", cells)
            continue
        client_name, project_name = row["client"], row["project"]
        client = batch.client(client_name, table.header_currency, line)
        project = batch.project(client, client_name, project_name, "", line)
        task = batch.task(project, client_name, project_name, row["task"], line)
        key = (
            day,
            row["email"].lower() or name_key(row["user"]),
            name_key(client_name),
            name_key(project_name),
            name_key(row["task"]),
            name_key(row["description"]),
            normalize_time(row["start_time"]),
        )
        batch.entry(
            line,
            key,
            person_id=person,
            date=day,
            hours=hours,
            project_id=project,
            sow_line_id=task,
            notes=row["description"],
            billable=bool_text(parse_bool(row["billable"])),
            work_type="rush" if has_tag(row["tags"], "rush") else None,
        )
    return batch.batch()
