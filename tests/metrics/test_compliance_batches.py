"""Timesheet compliance per submission: submission is recorded per entry (`submitted_at`), so
a week sent in batches is judged on the hours that arrived by the deadline. A hand-worked firm,
loaded through the canonical importer.

Week of Mon 2026-03-02 (Mon-Fri 03-02 … 03-06), everyone 40 h/week, no holidays (firm.yaml has
no holidays_country), deadline `mon 12:00` UTC = Mon 2026-03-09 12:00; 90% of 40 h = 36 h.
- P-1: Mon-Thu 4 x 8 h submitted Fri 03-06 17:00 (on time), Fri 8 h submitted Tue 03-10
  (late batch): 32 h by the deadline < 36 h -> short (logged 40 h: before, "on time").
- P-2: Mon-Thu 4 x 8 h and 4 h of Fri submitted Fri 03-06 17:00, the other 4 h of Fri never:
  36 h by the deadline = 36 h, not under -> on time.
- P-3: Mon-Thu 4 x 8 h on time, Fri 8 h never submitted: 32 h < 36 h -> short.
- P-4: all 40 h first submitted Mon 03-09 12:01: one minute late -> late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from etl.loader import import_canonical
from metrics.filters import Filters
from metrics.kpis import compliance_rows, summarize_compliance
from metrics.session import kpi_connection
from read_models import compliance_view as cv
from tests.conftest import write_folder
from warehouse.db import connect

WEEK = Filters(date(2026, 3, 2), date(2026, 3, 8))
NOW = datetime(2026, 3, 20, tzinfo=UTC)
ON_TIME = "2026-03-06T17:00:00+00:00"
LATE_BATCH = "2026-03-10T09:00:00+00:00"
ONE_MINUTE_LATE = "2026-03-09T12:01:00+00:00"
DAYS = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]


def _entries() -> str:
    rows = ["entry_id,person_id,date,hours,project_id,billable,submitted_at"]
    for person in ("P-1", "P-2", "P-3", "P-4"):
        first = ONE_MINUTE_LATE if person == "P-4" else ON_TIME
        rows += [f"{person}-{n},{person},{day},8,PR-1,true,{first}" for n, day in enumerate(DAYS)]
    rows += [
        f"P-1-F,P-1,2026-03-06,8,PR-1,true,{LATE_BATCH}",
        f"P-2-F1,P-2,2026-03-06,4,PR-1,true,{ON_TIME}",
        "P-2-F2,P-2,2026-03-06,4,PR-1,true,",
        "P-3-F,P-3,2026-03-06,8,PR-1,true,",
        f"P-4-F,P-4,2026-03-06,8,PR-1,true,{ONE_MINUTE_LATE}",
    ]
    return "\n".join(rows) + "\n"


FILES = {
    "firm.yaml": """
        name: Batch & Co
        base_currency: USD
        timezone: UTC
        week_starts: mon
        timesheet_deadline: mon 12:00
    """,
    "clients.csv": """
        client_id,name,currency
        CL-1,Acme,USD
    """,
    "people.csv": """
        person_id,name,role,team,weekly_capacity_hours
        P-1,Ada,Engineer,Eng,40
        P-2,Bo,Engineer,Eng,40
        P-3,Cy,Engineer,Eng,40
        P-4,Di,Engineer,Eng,40
    """,
    "projects.csv": """
        project_id,name,client_id,status
        PR-1,Storefront,CL-1,active
    """,
}


def test_batch_submitted_week_counts_only_hours_in_by_the_deadline(tmp_path):
    db = tmp_path / "w.duckdb"
    folder = write_folder(tmp_path / "firm", FILES)
    (folder / "time_entries.csv").write_text(_entries())
    con = connect(db)
    report = import_canonical(con, folder)
    con.close()
    assert report.quarantined == 0

    with kpi_connection(db, last_day=WEEK.end) as kcon:
        rows = compliance_rows(kcon, WEEK, NOW)
        weeks = cv.compliance_weeks(kcon, WEEK, NOW)
    got = {
        r["person_id"]: (r["status"], r["logged_hours"], r["on_time_hours"])
        for r in rows.iter_rows(named=True)
    }
    assert got == {
        "P-1": ("short", 40.0, 32.0),  # 8 h came in the next Tuesday
        "P-2": ("on_time", 40.0, 36.0),  # exactly 90%: not under
        "P-3": ("short", 40.0, 32.0),  # Friday never submitted
        "P-4": ("late", 40.0, 0.0),
    }
    s = summarize_compliance(rows)
    assert s.value == D("0.25")  # 1 (P-2) on time and complete of 4 person-weeks
    assert s.on_time_submission == D("0.75")  # P-1, P-2, P-3 sent their first batch in time
    assert s.completeness == D(1)  # 160 of 160 h logged (kpis.md: logged, whenever sent)
    # hours short: on-time weeks count what arrived by the deadline, the late week what's logged
    short = dict(weeks.select("person_id", "hours_short").iter_rows())
    assert short == {"P-1": 8.0, "P-2": 4.0, "P-3": 8.0, "P-4": 0.0}
