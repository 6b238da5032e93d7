"""Harvest "Detailed time report" CSV export -> canonical clients, projects, people, tasks, entries.

Hours come from `Hours` (decimal, `7,5` in decimal-comma accounts, or `7:30` in hh:mm
accounts); `Hours Rounded` is ignored because rounding is a contract term applied when billing.
`Approved?` Yes stamps `approved_at` at 23:59:59 UTC of the entry date; `Invoiced?` Yes marks the
entry as billed elsewhere (`invoice_id` = harvest-invoiced, locked). Money columns are ignored.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports.batch import BatchBuilder, ExportBatch
from etl.exports.cells import bool_text, currency_code, hours_cell, parse_bool
from etl.exports.names import UNKNOWN_ROLE, KnownNames, name_key
from etl.exports.table import ExportSpec, RowProblem, read_table

INVOICED_ELSEWHERE = "harvest-invoiced"

SPEC = ExportSpec(
    source="harvest",
    aliases={
        "date": ("Date",),
        "client": ("Client",),
        "project": ("Project",),
        "project_code": ("Project Code",),
        "task": ("Task",),
        "notes": ("Notes",),
        "hours": ("Hours",),
        "hours_rounded": ("Hours Rounded",),
        "billable": ("Billable?", "Billable"),
        "invoiced": ("Invoiced?", "Invoiced"),
        "approved": ("Approved?", "Approved"),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "employee_id": ("Employee Id",),
        "roles": ("Roles", "Role"),
        "department": ("Department",),
        "employee": ("Employee?", "Employee"),
        "billable_rate": ("Billable Rate",),
        "billable_amount": ("Billable Amount",),
        "cost_rate": ("Cost Rate",),
        "cost_amount": ("Cost Amount",),
        "currency": ("Currency",),
        "external_reference": ("External Reference URL",),
    },
    required=(("date",), ("hours",), ("first_name", "last_name")),
    date_field="date",
    key_fields=("date", "hours"),
)


def _role(row: dict[str, str]) -> str:
    """The first of the person's Harvest roles (the rate card matches one role), else Department."""
    roles = [r.strip() for r in row["roles"].split(",") if r.strip()]
    return roles[0] if roles else row["department"] or UNKNOWN_ROLE


def _employment(row: dict[str, str]) -> str | None:
    employee = parse_bool(row["employee"])
    return None if employee is None else ("employee" if employee else "contractor")


def parse(path: Path, known: KnownNames) -> ExportBatch:
    table = read_table(path, SPEC)
    batch = BatchBuilder(SPEC.source, table, known)
    dates = batch.dates("date")
    for line, row, cells in table.records():
        try:
            day = dates.iso(row["date"], table.label("date"))
            hours = hours_cell(row["hours"], table.label("hours"))
        except RowProblem as problem:
            batch.error(line, str(problem), cells)
            continue
        name = f"{row['first_name']} {row['last_name']}"
        person = batch.person(name, "", line, role=_role(row), employment=_employment(row))
        if person is None:
            batch.error(line, f"{table.label('first_name')}: empty person name", cells)
            continue
        client_name, project_name = row["client"], row["project"]
        client = batch.client(client_name, currency_code(row["currency"]), line)
        project = batch.project(client, client_name, project_name, row["project_code"], line)
        task = batch.task(project, client_name, project_name, row["task"], line)
        invoiced = parse_bool(row["invoiced"])
        key = (
            day,
            name_key(name),
            name_key(client_name),
            name_key(project_name),
            name_key(row["task"]),
            name_key(row["notes"]),
        )
        batch.entry(
            line,
            key,
            person_id=person,
            date=day,
            hours=hours,
            project_id=project,
            sow_line_id=task,
            notes=row["notes"],
            billable=bool_text(parse_bool(row["billable"])),
            approved_at=f"{day}T23:59:59+00:00" if parse_bool(row["approved"]) else None,
            invoice_id=INVOICED_ELSEWHERE if invoiced else None,
            locked=bool_text(invoiced),
        )
    return batch.batch()
