"""Hubstaff timesheet / time-and-activity export (CSV) -> canonical clients, projects, people,
tasks (Hubstaff "to-dos") and entries.

One row per time entry: `Member` (and `Email` when present), `Client`, `Project`, `To-do`,
`Date`, `Start`/`Stop`, `Duration`, then Activity/Idle/Manual percentages and `Notes`. Hours
come from `Duration` (`H:MM:SS`, the time Hubstaff recorded); a file without it gets end minus
start (an entry whose Stop is before its Start on the same date is quarantined: Hubstaff splits
entries at midnight). Activity, idle and manual columns are not billing facts and are ignored.
Hubstaff has no billable flag per entry and its exports carry no approval, so `billable` stays
empty for the classification step and entries arrive unapproved. The `Total` row is skipped.
Column layout and its sources: docs/connectors.md.
"""

from __future__ import annotations

from pathlib import Path

from etl.exports.batch import ExportBatch
from etl.exports.entries import Layout, parse_entries
from etl.exports.names import KnownNames
from etl.exports.table import ExportSpec, read_table

SPEC = ExportSpec(
    source="hubstaff",
    aliases={
        "date": ("Date", "Day"),
        "user": ("Member", "Member Name", "User", "Name"),
        "email": ("Email", "Member Email", "Work Email"),
        "group": ("Team",),
        "client": ("Client",),
        "project": ("Project",),
        "task": ("To-do", "To-dos", "To do", "Todo", "Task"),
        "description": ("Notes", "Note", "Memo", "Description"),
        "duration": ("Duration", "Time", "Time Worked", "Total Time", "Tracked"),
        "start_time": ("Start", "Start Time", "Started At", "From"),
        "end_date": ("Stop Date", "End Date"),
        "end_time": ("Stop", "Stop Time", "End", "End Time", "Ended At", "To"),
        "billable": ("Billable",),
        "approved": ("Approved", "Approved?"),
        "activity": ("Activity", "Activity %"),
        "idle": ("Idle", "Idle %"),
        "manual": ("Manual", "Manual %"),
        "time_zone": ("Time Zone", "Timezone"),
    },
    required=(("date",), ("user", "email")),
    date_field="date",
    key_fields=("date", "duration", "start_time", "end_time"),
)
LAYOUT = Layout(SPEC, duration_fields=("duration",))


def parse(path: Path, known: KnownNames) -> ExportBatch:
    return parse_entries(read_table(path, SPEC), known, LAYOUT)
