"""Clockify "Detailed report" CSV export -> canonical clients, projects, people, tasks, entries.

Dates and times follow the user's settings (YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY, 12 or 24 h);
the day/month order is detected from the whole column. Hours: `Duration (h)` when it reads as a
clock (`H:MM:SS`, or the compact `H:MM`: exact to the minute), else `Duration (decimal)` (2
places only: 20 min shows as 0.33). A report without either duration column (only Start/End
Date and Time, 12 h AM/PM or 24 h) gets its hours from end minus start (etl/exports/spans.py:
exact, across midnight to the end date, dates never guessed). `Group` becomes a new person's team; a tag with the word
"rush" makes a rush entry. New clients take the currency of the `Billable Rate (XXX)` header.
Row handling: common.parse_user_export, or entries.parse_entries for start/end-only reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from etl.exports.common import (
    ExportBatch,
    ExportSpec,
    KnownNames,
    Table,
    hours_cell,
    parse_user_export,
    read_table,
)
from etl.exports.entries import Layout, parse_entries

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


def _hours(row: dict[str, str], table: Table) -> str:
    exact, decimal = row["duration_h"], row["duration_decimal"]
    if _EXACT.match(exact) or not decimal and table.has("duration_h"):
        return hours_cell(exact, table.label("duration_h"))
    return hours_cell(decimal, table.label("duration_decimal"))


# reports without a duration column: the hours come from the start and end times
SPAN_LAYOUT = Layout(SPEC, duration_fields=("duration_h", "duration_decimal"))


def parse(path: Path, known: KnownNames) -> ExportBatch:
    table = read_table(path, SPEC)
    if table.has("duration_h") or table.has("duration_decimal"):
        return parse_user_export(path, known, SPEC, _hours, table=table)
    return parse_entries(table, known, SPAN_LAYOUT)
