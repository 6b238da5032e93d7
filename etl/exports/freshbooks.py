"""FreshBooks time-entry export (Time Tracking / "Time Entry Details" report, CSV) -> canonical
clients, projects, people, tasks (FreshBooks "services") and entries.

FreshBooks tracks time either by duration or by start and end time (an account setting, see
docs/connectors.md), so the hours come from `Duration`/`Hours` (`H:MM` or decimal) when the file
has it, else from `Start Time`/`End Time`. A report title, company and date range above the
header are skipped, and so is the `Total` row. `Billed` (Yes, Billed, or an invoice number)
marks an entry invoiced in FreshBooks: `invoice_id` = freshbooks-billed, locked, never billed
again here. No approval in FreshBooks: entries arrive unapproved. Internal time (no client)
keeps its project without a client. Column layout and its sources: docs/connectors.md.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports.batch import ExportBatch
from etl.exports.entries import Layout, parse_entries
from etl.exports.names import KnownNames
from etl.exports.table import ExportSpec, read_table

BILLED_IN_FRESHBOOKS = "freshbooks-billed"

SPEC = ExportSpec(
    source="freshbooks",
    aliases={
        "date": ("Date", "Date Logged", "Started At"),
        "user": ("Team Member", "Teammate", "Member", "Person", "Staff", "Name"),
        "email": ("Email", "Team Member Email"),
        "client": ("Client", "Client Name", "Organization"),
        "project": ("Project", "Project Name"),
        "task": ("Service", "Service Name", "Task"),
        "description": ("Note", "Notes", "Description"),
        "duration": ("Duration", "Hours", "Time", "Time Spent", "Logged Hours"),
        "start_time": ("Start Time", "Start"),
        "end_time": ("End Time", "End", "Stop Time"),
        "billable": ("Billable",),
        "invoiced": ("Billed", "Billed?", "Invoiced", "Invoice"),
        "amount": ("Amount", "Billable Amount"),  # "Amount (USD)": the currency sits in the header
    },
    required=(("date",), ("user", "email")),
    date_field="date",
    key_fields=("date", "duration", "start_time", "end_time"),
)
LAYOUT = Layout(SPEC, duration_fields=("duration",), invoiced_id=BILLED_IN_FRESHBOOKS)


def parse(path: Path, known: KnownNames) -> ExportBatch:
    return parse_entries(read_table(path, SPEC), known, LAYOUT)
