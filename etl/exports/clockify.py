"""Clockify "Detailed report" CSV export -> canonical clients, projects, people, tasks, entries.

Dates and times follow the user's settings (YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY, 12 h AM/PM or
24 h). The day/month order is read from all the start and end dates at once; when no date in the
file settles it, a date that reads two ways is quarantined, never guessed (spans.StrictDates).
Hours: `Duration (h)` when it reads as a clock (`H:MM:SS`, or the compact `H:MM`: exact to the
minute), else `Duration (decimal)` (2 places only: 20 min shows as 0.33). A report without
duration columns (only Start/End Date and Time), or a row whose durations are empty, gets its
hours from end minus start: exact, across midnight to the end date, an end before the start
quarantined (spans.row_span). `Group` becomes a new person's team; a tag with the word "rush"
makes a rush entry. New clients take the currency of the `Billable Rate (XXX)` header.
Row handling: entries.parse_entries.
"""

from __future__ import annotations

import re
from pathlib import Path

from etl.exports.batch import ExportBatch
from etl.exports.cells import hours_cell
from etl.exports.entries import Layout, parse_entries
from etl.exports.names import KnownNames
from etl.exports.table import ExportSpec, Table, read_table

SPEC = ExportSpec(
    source="clockify",
    aliases={
        "project": ("Project",),
        "client": ("Client",),
        "description": ("Description",),
        "task": ("Task",),
        "user": ("User",),
        "group": ("Group",),
        "email": ("Email",),
        "tags": ("Tags",),
        "billable": ("Billable",),
        "start_date": ("Start Date",),
        "start_time": ("Start Time",),
        "end_date": ("End Date",),
        "end_time": ("End Time",),
        "duration_decimal": ("Duration (decimal)",),
        "duration_h": ("Duration (h)",),
        # "Billable Rate (USD)": the currency sits in the header
        "billable_rate": ("Billable Rate",),
        "billable_amount": ("Billable Amount",),
        "cost_rate": ("Cost Rate",),
        "cost_amount": ("Cost Amount",),
        "profit": ("Profit",),
    },
    # a duration column, or else Start Time and End Time: checked by entries.check_hours_columns
    required=(("start_date",), ("user", "email")),
    date_field="start_date",
    key_fields=("start_date", "duration_decimal", "duration_h"),
)

_EXACT = re.compile(r"^-?\d+:\d{1,2}(:\d{1,2})?$")  # H:MM:SS or compact H:MM


def _hours(row: dict[str, str], table: Table) -> str | None:
    """The clock-form `Duration (h)` when it reads as a clock, else the two-place decimal; None
    when both are empty (or absent), so the hours come from Start/End Time."""
    exact, decimal = row["duration_h"], row["duration_decimal"]
    if _EXACT.match(exact) or (exact and not decimal):
        return hours_cell(exact, table.label("duration_h"))
    if decimal:
        return hours_cell(decimal, table.label("duration_decimal"))
    return None


LAYOUT = Layout(SPEC, duration_fields=("duration_h", "duration_decimal"), hours_of=_hours)


def parse(path: Path, known: KnownNames) -> ExportBatch:
    return parse_entries(read_table(path, SPEC), known, LAYOUT)
