"""Toggl Track "Detailed report" CSV export -> canonical clients, projects, people, tasks, entries.

Hours come from `Duration` (HH:MM:SS); the date is `Start date`. A tag with the word "rush"
(`rush`, `Rush job`) makes the entry `work_type` rush; otherwise work_type is left empty for the
classification step. Toggl exports carry no approval, so entries arrive unapproved. New clients
take the currency of the `Amount (XXX)` header. Row handling: common.parse_user_export.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports.batch import ExportBatch, parse_user_export
from etl.exports.cells import hours_cell
from etl.exports.names import KnownNames
from etl.exports.table import ExportSpec, Table

SPEC = ExportSpec(
    source="toggl",
    aliases={
        "user": ("User", "Member", "Username"),
        "email": ("Email",),
        "client": ("Client",),
        "project": ("Project",),
        "task": ("Task",),
        "description": ("Description",),
        "billable": ("Billable",),
        "start_date": ("Start date",),
        "start_time": ("Start time",),
        "end_date": ("End date", "Stop date"),
        "end_time": ("End time", "Stop time"),
        "duration": ("Duration",),
        "tags": ("Tags",),
        "amount": ("Amount",),  # "Amount (USD)": the currency sits in the header
    },
    required=(("start_date",), ("duration",), ("user", "email")),
    date_field="start_date",
    key_fields=("start_date", "duration"),
)


def _hours(row: dict[str, str], table: Table) -> str:
    return hours_cell(row["duration"], table.label("duration"))


def parse(path: Path, known: KnownNames) -> ExportBatch:
    return parse_user_export(path, known, SPEC, _hours)
