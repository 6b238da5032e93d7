"""A four-person firm for the Utilization and Timesheet compliance pages, small enough that
every figure of February 2026 is worked out by hand in the tests.

February 2026 (weeks start Monday; Feb 1 is a Sunday, so the first week with a weekday in the
month starts Mon 02-02): W1 02-02, W2 02-09, W3 02-16 (Mon 02-16 Presidents' Day, a US public
holiday), W4 02-23. Deadlines are `mon 12:00` UTC: W1 02-09 12:00, W2 02-16, W3 02-23, W4 03-02.

- P-1 Ada, Eng, employee, 40 h/week, target 0.80. Off 02-10 (8 h) and 4 h on the holiday
  (the holiday's 8 h wins): available 40, 32, 32, 40.
- P-2 Bo, Eng, employee, part time 20 h/week, target 0.50: available 20, 20, 16, 20.
- P-3 Cy, Design, contractor, 40 h/week, target 0.90: available 40, 40, 32, 40.
- P-4 Di, Design, employee, starts Wed 02-18, target 0.75: available W3 24 (Wed-Fri), W4 40.

Projects: PR-1 (client CL-1), PR-2 (client CL-2), PR-INT (the firm's own client, internal).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

FIRM = """\
name: Kestrel Partners
base_currency: USD
timezone: UTC
week_starts: mon
timesheet_deadline: mon 12:00
holidays_country: US
"""
CLIENTS = """\
client_id,name,currency,status
CL-1,Acme Corp,USD,active
CL-2,Globex,USD,active
CL-0,Kestrel (internal),USD,internal
"""
PROJECTS = """\
project_id,name,client_id,status
PR-1,Storefront,CL-1,active
PR-2,Billing revamp,CL-2,active
PR-INT,Internal,CL-0,active
"""
PEOPLE = """\
person_id,name,role,team,employment,weekly_capacity_hours,target_utilization,start_date
P-1,Ada,Engineer,Eng,employee,40,0.80,
P-2,Bo,Engineer,Eng,employee,20,0.50,
P-3,Cy,Designer,Design,contractor,40,0.90,
P-4,Di,Designer,Design,employee,40,0.75,2026-02-18
"""
TIME_OFF = """\
person_id,date,hours,kind
P-1,2026-02-10,8,pto
P-1,2026-02-16,4,pto
"""

# (person, date, hours, project, submitted_at): the submitted_at of a week's entries decides
# its compliance status (the first one counts).
ENTRIES = [
    # P-1 W1: 30 billable (6 h a day) + 5 internal; submitted Fri, on time; 35 h of 40: short
    *[("P-1", f"2026-02-0{d}", 6, "PR-1", "2026-02-06 17:00") for d in (2, 3, 4, 5, 6)],
    ("P-1", "2026-02-06", 5, "PR-INT", "2026-02-06 17:00"),
    # P-1 W2: 24 billable; first submission Mon 02-16 12:30, after the 12:00 deadline: late
    ("P-1", "2026-02-09", 8, "PR-1", "2026-02-16 12:30"),
    ("P-1", "2026-02-11", 8, "PR-1", "2026-02-17 09:00"),
    ("P-1", "2026-02-12", 8, "PR-1", "2026-02-17 09:00"),
    # P-1 W3: 16 billable + 8 internal = 24 of 32 (under 28.8): short
    ("P-1", "2026-02-17", 8, "PR-1", "2026-02-20 17:00"),
    ("P-1", "2026-02-18", 8, "PR-1", "2026-02-20 17:00"),
    ("P-1", "2026-02-19", 8, "PR-INT", "2026-02-20 17:00"),
    # P-1 W4: 40 billable, on time
    *[("P-1", f"2026-02-{d}", 8, "PR-1", "2026-02-27 17:00") for d in (23, 24, 25, 26, 27)],
    # P-2 W1: 10 billable of 20: short; W2 nothing: missing
    ("P-2", "2026-02-03", 5, "PR-1", "2026-02-06 17:00"),
    ("P-2", "2026-02-04", 5, "PR-1", "2026-02-06 17:00"),
    # P-2 W3: 8 billable on Globex, submitted a minute before the deadline; 8 of 16: short
    ("P-2", "2026-02-17", 8, "PR-2", "2026-02-23 11:59"),
    # P-3 W2: 40 billable; W3: 32 billable; W1 and W4 missing
    *[("P-3", f"2026-02-{d:02d}", 8, "PR-1", "2026-02-13 18:00") for d in (9, 10, 11, 12, 13)],
    *[("P-3", f"2026-02-{d}", 8, "PR-1", "2026-02-20 18:00") for d in (17, 18, 19, 20)],
    # P-4 W4: 20 billable + 4 internal, submitted exactly at the deadline (not late): 24 of 40
    ("P-4", "2026-02-24", 10, "PR-1", "2026-03-02 12:00"),
    ("P-4", "2026-02-25", 10, "PR-1", "2026-03-02 12:00"),
    ("P-4", "2026-02-26", 4, "PR-INT", "2026-03-02 12:00"),
]

W1, W2, W3, W4 = (date(2026, 2, d) for d in (2, 9, 16, 23))
# Every deadline of February has passed at NOW.
NOW = datetime.fromisoformat("2026-03-10 00:00:00+00:00")


def build_firm(db: Path, folder: Path) -> Path:
    """Imports the firm above into the warehouse at `db` (created) and returns `db`."""
    from warehouse.db import connect

    rows = "".join(
        f"TE-{n},{person},{day},{hours},{project},{submitted}+00:00\n"
        for n, (person, day, hours, project, submitted) in enumerate(ENTRIES, start=1)
    )
    files = {
        "firm.yaml": FIRM,
        "clients.csv": CLIENTS,
        "projects.csv": PROJECTS,
        "people.csv": PEOPLE,
        "time_off.csv": TIME_OFF,
        "time_entries.csv": "entry_id,person_id,date,hours,project_id,submitted_at\n" + rows,
    }
    con = connect(db)
    try:
        report = import_canonical(con, write_folder(folder, files))
        assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
    finally:
        con.close()
    return db
