"""A small firm with a hand-written approved history of notes, for the classification tests:
Acme's Storefront (code STORE), Globex's Portal (PORT), a new Acme build with no history yet
(NEWB) and the firm's own admin project."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

FILES = {
    "firm.yaml": "name: Kestrel Partners\nbase_currency: USD\n",
    "clients.csv": """
        client_id,name,currency,status
        CL-0,Kestrel Partners,USD,internal
        CL-1,Acme Corp,USD,active
        CL-2,Globex,USD,active
    """,
    "people.csv": """
        person_id,name,role,team
        P-1,Elena Ruiz,Engineer,Engineering
        P-2,Sam Lee,Designer,Design
        P-3,Ava Chen,Engineer,Engineering
    """,
    "projects.csv": """
        project_id,name,client_id,code,status,start_date,end_date
        PR-1,Storefront,CL-1,STORE,active,2026-01-01,
        PR-2,Portal,CL-2,PORT,active,2026-01-01,
        PR-3,New Build,CL-1,NEWB,active,2026-04-01,
        PR-9,Admin,CL-0,ADM,active,,
    """,
    "sow_lines.csv": """
        sow_line_id,project_id,code,description,billable
        S-1-DEV,PR-1,DEV,Software development,true
        S-1-DES,PR-1,DESIGN,UX design,true
        S-2-DEV,PR-2,DEV,Software development,true
        S-2-PM,PR-2,PM,Project management,true
        S-3-DEV,PR-3,DEV,Software development,true
        S-3-PM,PR-3,PM,Project management,true
        S-9-ADM,PR-9,ADMIN,Administration,false
    """,
    "contracts.yaml": "contracts: []\n",
}
HEADER = (
    "entry_id,person_id,date,hours,project_id,sow_line_id,notes,billable,work_type,approved_at\n"
)
APPROVED = "2026-04-01T10:00:00+00:00"
# (person, project, SOW line, billable, notes with {n} for a ticket number)
HISTORY = (
    ("P-1", "PR-1", "S-1-DEV", "true", "STORE-{n} checkout fix"),
    ("P-1", "PR-1", "S-1-DEV", "true", "refactor cart api"),
    ("P-1", "PR-2", "S-2-DEV", "true", "portal api endpoint"),
    ("P-1", "PR-2", "S-2-PM", "true", "Globex weekly status call"),
    ("P-1", "PR-9", "S-9-ADM", "false", "timesheets and admin"),
    ("P-2", "PR-1", "S-1-DES", "true", "wireframes for checkout"),
    ("P-2", "PR-1", "S-1-DES", "true", "design review storefront screens"),
    ("P-2", "PR-9", "S-9-ADM", "false", "admin email catch-up"),
)
FIRST_DAY = date(2026, 2, 2)  # a Monday; 30 weekdays of history follow


def history_rows() -> str:
    rows, n, day = [], 0, FIRST_DAY
    for _ in range(30):
        for person, project, line, billable, note in HISTORY:
            n += 1
            rows.append(
                f"H-{n},{person},{day},1.5,{project},{line},{note.format(n=100 + n)},"
                f"{billable},standard,{APPROVED}\n"
            )
        day += timedelta(days=3 if day.weekday() == 4 else 1)
    return "".join(rows)


def build(con, tmp_path: Path, entries: str, expenses: str | None = None) -> None:
    """Imports the firm, its history and `entries` (rows of HEADER)."""
    files = dict(FILES)
    if expenses is not None:
        files["expenses.csv"] = expenses
    folder = write_folder(tmp_path / "firm", files)
    (folder / "time_entries.csv").write_text(HEADER + history_rows() + entries)
    report = import_canonical(con, folder)
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
