"""One engine for the exports that list one time entry per row (Clockify detailed reports, with
or without duration columns; FreshBooks, Hubstaff, Odoo), mapped like the Toggl report.

A layout names its columns through the shared field names below; the engine reads the table
(common.read_table: preamble, BOM, delimiters, Total rows and footers), then for each row:
the date (common to the file, never guessed: spans.StrictDates), the hours (the first duration
column that is filled, else end minus start; a row with neither is quarantined), the person (email, else name), client, project,
task (a SOW line), notes, billable, approval and "billed in the tool". Same matching, same ids,
same quarantine as the other exports (a bad row becomes a RowError with its line and reason).

Field names a layout may alias: date, user, email, group, client, project, task, description,
billable, tags, invoiced, approved, start_time, end_date, end_time, and its duration fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from etl.exports.batch import BatchBuilder, ExportBatch
from etl.exports.cells import bool_text, has_tag, hours_cell, normalize_time, parse_bool
from etl.exports.names import KnownNames, name_key
from etl.exports.spans import StrictDates, row_span, split_stamp, strict_dates
from etl.exports.table import ExportFormatError, ExportSpec, RowProblem, Table


@dataclass(frozen=True)
class Layout:
    spec: ExportSpec
    duration_fields: tuple[str, ...] = ()  # duration columns, preferred first
    invoiced_id: str | None = None  # invoice_id of an entry already billed in the tool
    empty_notes: tuple[str, ...] = ()  # placeholders that mean "no description" (Odoo's "/")
    # the row's hours from its duration cells, None when they are empty (Clockify's choice
    # between its clock and its two-place decimal); default: the first filled duration field
    hours_of: Callable[[dict[str, str], Table], str | None] | None = None


_NOT_BILLABLE = ("non billable", "non-billable", "not billable", "no charge")


@lru_cache(maxsize=1024)
def billable_flag(text: str) -> bool | None:
    """Yes/No, true/false, and phrases like Odoo's 'Billed on Timesheets' / 'Non Billable'."""
    flag = parse_bool(text)
    if flag is not None or not text:
        return flag
    v = name_key(text)
    if any(p in v for p in _NOT_BILLABLE):
        return False
    return True if v.startswith(("billed", "billable")) else None


@lru_cache(maxsize=1024)
def billed_flag(text: str) -> bool:
    """Whether the tool already billed the entry: Yes, 'Billed', 'Invoiced' or an invoice number;
    No, 'Unbilled', 'Not billed' or empty mean not billed."""
    flag = parse_bool(text)
    if flag is not None:
        return flag
    v = name_key(text)
    return bool(v) and v not in ("unbilled", "not billed", "uninvoiced", "not invoiced", "-")


def check_hours_columns(table: Table, layout: Layout) -> None:
    """A file needs a duration column or both start and end times; else it is refused whole."""
    if any(table.has(f) for f in layout.duration_fields):
        return
    if table.has("start_time") and table.has("end_time"):
        return
    spec = layout.spec
    names = [spec.aliases[f][0] for f in layout.duration_fields]
    wanted = " or ".join(repr(n) for n in names)
    start, end = spec.aliases["start_time"][0], spec.aliases["end_time"][0]
    raise ExportFormatError(
        f"{table.file}: missing required column {wanted} (or both {start!r} and {end!r})"
    )


class _Hours:
    """A row's hours, with the file's columns looked up once: the layout's own rule, else the
    first filled duration column, else end minus start; a row with none is a RowProblem."""

    def __init__(self, table: Table, layout: Layout, dates: StrictDates):
        self.table, self.dates, self.hours_of = table, dates, layout.hours_of
        self.present = [(f, table.label(f)) for f in layout.duration_fields if table.has(f)]
        self.span = table.has("start_time") and table.has("end_time")

    def __call__(self, row: dict[str, str], day) -> str:
        if self.hours_of is not None:
            hours = self.hours_of(row, self.table)
            if hours is not None:
                return hours
        for f, label in self.present:
            if row[f]:
                return hours_cell(row[f], label)
        if self.span:
            return row_span(row, self.table, self.dates, day)
        raise RowProblem(f"{self.present[0][1]}: empty duration")


def parse_entries(table: Table, known: KnownNames, layout: Layout) -> ExportBatch:
    """Every row of `table` as canonical entries (and the clients, projects, people, tasks)."""
    check_hours_columns(table, layout)
    spec = layout.spec
    batch = BatchBuilder(spec.source, table, known)
    dates = strict_dates(table, spec.date_field, "end_date", "start_time", "end_time")
    hours_of = _Hours(table, layout, dates)
    date_label = table.label(spec.date_field)
    tracks_billing = bool(layout.invoiced_id) and table.has("invoiced")
    for line, row, cells in table.records():
        try:
            day = dates.parse(row[spec.date_field], date_label)
            hours = hours_of(row, day)
        except RowProblem as problem:
            batch.error(line, str(problem), cells)
            continue
        user, email = row.get("user", ""), row.get("email", "")
        person = batch.person(user, email, line, team=row.get("group") or None)
        if person is None:
            batch.error(line, f"{table.label('user')}: empty person name", cells)
            continue
        client_name, project_name, task_name = row["client"], row["project"], row["task"]
        notes = "" if row["description"] in layout.empty_notes else row["description"]
        client = batch.client(client_name, table.header_currency, line)
        project = batch.project(client, client_name, project_name, "", line)
        task = batch.task(project, client_name, project_name, task_name, line)
        iso = dates.iso_of(day)
        key = (
            iso,
            email.lower() or name_key(user),
            name_key(client_name),
            name_key(project_name),
            name_key(task_name),
            name_key(notes),
            normalize_time(split_stamp(row.get("start_time", ""))[1]),
        )
        billed = tracks_billing and billed_flag(row["invoiced"])
        approved = parse_bool(row.get("approved", "")) or False
        batch.entry(
            line,
            key,
            person_id=person,
            date=iso,
            hours=hours,
            project_id=project,
            sow_line_id=task,
            notes=notes,
            billable=bool_text(billable_flag(row.get("billable", ""))),
            work_type="rush" if has_tag(row.get("tags", ""), "rush") else None,
            approved_at=f"{iso}T23:59:59+00:00" if approved else None,
            invoice_id=layout.invoiced_id if billed else None,
            locked=bool_text(billed) if tracks_billing else None,
        )
    if dates.ambiguous:
        batch.warnings.append(
            f"{table.file}: {date_label}: {dates.ambiguous} date(s) read both as DD/MM/YYYY and "
            "MM/DD/YYYY and no date in the file settles which: quarantined, not guessed"
        )
    return batch.batch()
