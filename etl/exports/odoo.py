"""Odoo Timesheets export (list view > Export, CSV) -> canonical clients, projects, people,
tasks and entries.

The default columns are `Date, Employee, Project, Task, Description, Hours Spent`; `Hours
Spent` is `HH:MM` (as Odoo shows it) or decimal hours (as Odoo's export writes the float).
Odoo writes `/` when a timesheet has no description; that is read as no notes. Employees carry
no email in this export, so people are matched by name. Optional columns when exported:
`Customer`/`Partner`/`Project/Customer` (the client; without it projects have no client),
`Billable Type` (Odoo's "Billed on Timesheets" / "Non Billable" phrases), `Invoice` (an invoice
number: billed in Odoo, `invoice_id` = odoo-invoiced, locked) and `Validated` (approved at the
end of that day). Column layout and its sources: docs/connectors.md.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports.batch import ExportBatch
from etl.exports.entries import Layout, parse_entries
from etl.exports.names import KnownNames
from etl.exports.table import ExportSpec, read_table

INVOICED_IN_ODOO = "odoo-invoiced"

SPEC = ExportSpec(
    source="odoo",
    aliases={
        "date": ("Date",),
        "user": ("Employee", "Employee/Name"),
        "email": ("Employee/Work Email", "Work Email"),
        "group": ("Department", "Employee/Department"),
        "client": ("Customer", "Partner", "Project/Customer"),
        "project": ("Project", "Project/Name"),
        "task": ("Task", "Task/Title", "Task/Name"),
        "description": ("Description",),
        "duration": ("Hours Spent", "Time Spent", "Duration", "Quantity", "Hours"),
        "billable": ("Billable Type", "Billable", "Invoice Type"),
        "invoiced": ("Invoice",),
        "approved": ("Validated", "Approved"),
    },
    required=(("date",), ("duration",), ("user", "email")),
    date_field="date",
    key_fields=("date", "duration"),
)
LAYOUT = Layout(
    SPEC, duration_fields=("duration",), invoiced_id=INVOICED_IN_ODOO, empty_notes=("/",)
)


def parse(path: Path, known: KnownNames) -> ExportBatch:
    return parse_entries(read_table(path, SPEC), known, LAYOUT)
