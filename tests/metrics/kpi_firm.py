"""A three-person firm for June 2026 whose KPIs are worked out by hand in the tests.

Calendar facts the numbers rest on: June 2026 has 22 weekdays (Mon 1 … Tue 30); US public
holidays: Juneteenth Fri 2026-06-19, Independence Day observed Fri 2026-07-03. The firm is in
New York (EDT = UTC-4 in June), timesheets are due Monday 12:00.

People:
- P-1 Elena, Engineering, 40 h/week, target 0.80, cost 60; PTO 4 h on Jun 3 and 4 h on Jun 19
  (a holiday: the holiday's 8 h wins).
- P-2 Sam, Design, 20 h/week, target 0.50, cost 40, starts 2026-06-15.
- P-3 Ava, Engineering contractor, 40 h/week, target 0.75, cost 90, leaves 2026-06-05.

Work (all approved): P-1 100 h billable on PR-1 (Acme, T&M 100/h) incl. 2 h on the holiday,
8 h internal, 6 h non-billable on PR-2, 5 h with no project; P-2 22 h on PR-1 (never invoiced)
and 10 h on PR-6 (Initech, EUR, 100 EUR/h) on Jun 15 and Jun 22; P-3 30 h on PR-2 (Globex,
150/h). EUR is 1.10 from Jun 1 and 1.20 from Jun 16.

Invoices for June: I-1 (Acme) 10,000 time − 500 discount over P-1's 100 h, sent Jul 2;
I-2 (Globex) 4,200 for P-3's 30 h (card value 4,500), sent Jul 7; I-3 (Initech) 1,000 EUR for
P-2's 10 h, issued Jul 1 with no sent_at; CM-1 credits I-1 300 (+ tax)."""

from __future__ import annotations

from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

FRIDAY_5PM = {  # the on-time submission of each week: its Friday, 17:00 New York
    "2026-06-01": "2026-06-05T17:00:00-04:00",
    "2026-06-08": "2026-06-12T17:00:00-04:00",
    "2026-06-15": "2026-06-19T17:00:00-04:00",
    "2026-06-22": "2026-06-26T17:00:00-04:00",
}
LATE = "2026-06-16T10:00:00-04:00"  # P-1's week of Jun 8: the Tuesday after the deadline
JUST_IN_TIME = "2026-06-22T11:59:00-04:00"  # P-2's week of Jun 15: one minute before 12:00


def _week_of(day: str) -> str:
    for start in sorted(FRIDAY_5PM, reverse=True):
        if day >= start:
            return start
    raise ValueError(day)


# (entry_id, person, date, hours, project, billable, invoice_id)
ENTRIES = [
    *[
        (f"E{n}", "P-1", day, "8", "PR-1", "true", "I-1")
        for n, day in enumerate(
            [
                "2026-06-01",
                "2026-06-02",
                "2026-06-04",
                "2026-06-05",
                "2026-06-08",
                "2026-06-09",
                "2026-06-10",
                "2026-06-11",
                "2026-06-12",
                "2026-06-15",
                "2026-06-16",
                "2026-06-17",
            ],
            start=1,
        )
    ],
    ("E13", "P-1", "2026-06-18", "2", "PR-1", "true", "I-1"),
    ("E14", "P-1", "2026-06-19", "2", "PR-1", "true", "I-1"),  # on the holiday: still counts
    ("E15", "P-1", "2026-06-22", "8", "PR-9", "", ""),  # internal project
    ("E16", "P-1", "2026-06-23", "6", "PR-2", "false", ""),  # non-billable client time
    ("E17", "P-1", "2026-06-24", "5", "", "", ""),  # no project yet: not billable
    ("E20", "P-2", "2026-06-15", "4", "PR-1", "true", ""),
    ("E21", "P-2", "2026-06-16", "4", "PR-1", "true", ""),
    ("E22", "P-2", "2026-06-17", "4", "PR-1", "true", ""),
    ("E23", "P-2", "2026-06-18", "4", "PR-1", "true", ""),
    ("E24", "P-2", "2026-06-22", "6", "PR-1", "true", ""),
    ("E25", "P-2", "2026-06-15", "5", "PR-6", "true", "I-3"),
    ("E26", "P-2", "2026-06-22", "5", "PR-6", "true", "I-3"),
    *[
        (f"E3{n}", "P-3", day, "7.5", "PR-2", "true", "I-2")
        for n, day in enumerate(["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04"])
    ],
]


def submitted_at(person: str, day: str) -> str:
    week = _week_of(day)
    if person == "P-1" and week == "2026-06-08":
        return LATE
    if person == "P-2" and week == "2026-06-15":
        return JUST_IN_TIME
    return FRIDAY_5PM[week]


def entries_csv() -> str:
    lines = [
        "entry_id,person_id,date,hours,project_id,billable,approved_at,submitted_at,invoice_id"
    ]
    for entry_id, person, day, hours, project, billable, invoice in ENTRIES:
        approved = "2026-06-30T10:00:00-04:00"
        lines.append(
            f"{entry_id},{person},{day},{hours},{project},{billable},{approved},"
            f"{submitted_at(person, day)},{invoice}"
        )
    return "\n".join(lines) + "\n"


def ids(*names: str) -> str:
    return ";".join(names)


FILES = {
    "firm.yaml": """
        name: Kestrel Partners
        base_currency: USD
        timezone: America/New_York
        week_starts: mon
        timesheet_deadline: mon 12:00
        holidays_country: US
    """,
    "clients.csv": """
        client_id,name,currency,payment_terms_days,tax_rate,status
        CL-1,Acme Corp,USD,30,0.08,active
        CL-2,Globex,USD,30,0,active
        CL-3,Initech,EUR,30,0,active
        CL-0,Kestrel Partners,USD,,,internal
    """,
    "people.csv": """
        person_id,name,role,team,employment,weekly_capacity_hours,cost_rate,target_utilization,start_date,end_date
        P-1,Elena Ruiz,Engineer,Engineering,employee,40,60,0.80,,
        P-2,Sam Lee,Designer,Design,employee,20,40,0.50,2026-06-15,
        P-3,Ava Chen,Engineer,Engineering,contractor,40,90,0.75,,2026-06-05
    """,
    "projects.csv": """
        project_id,name,client_id,status,start_date
        PR-1,Storefront,CL-1,active,2026-01-01
        PR-2,Portal,CL-2,active,2026-01-01
        PR-6,Localization,CL-3,active,2026-01-01
        PR-9,Admin,CL-0,active,
    """,
    "time_off.csv": """
        person_id,date,hours,kind
        P-1,2026-06-03,4,pto
        P-1,2026-06-19,4,pto
    """,
    "fx_rates.csv": """
        date,currency,rate_to_base
        2026-06-01,EUR,1.10
        2026-06-16,EUR,1.20
    """,
    "rates.csv": """
        contract_id,rate,effective_from
        C-1,100.00,2026-01-01
        C-2,150.00,2026-01-01
        C-3,100.00,2026-01-01
    """,
    "contracts.yaml": """
        contracts:
          - contract_id: C-1
            client_id: CL-1
            currency: USD
            workstreams:
              - {project_id: PR-1, billing: time_and_materials}
          - contract_id: C-2
            client_id: CL-2
            currency: USD
            workstreams:
              - {project_id: PR-2, billing: time_and_materials}
          - contract_id: C-3
            client_id: CL-3
            currency: EUR
            workstreams:
              - {project_id: PR-6, billing: time_and_materials}
    """,
    "invoices.csv": """
        invoice_id,client_id,issue_date,due_date,currency,total,number,status,sent_at,kind,credits_invoice_id,period_start,period_end
        I-1,CL-1,2026-07-02,2026-08-01,USD,10260.00,INV-1,sent,2026-07-02T15:00:00-04:00,invoice,,2026-06-01,2026-06-30
        I-2,CL-2,2026-07-06,2026-08-05,USD,4200.00,INV-2,sent,2026-07-07T09:00:00-04:00,invoice,,2026-06-01,2026-06-30
        I-3,CL-3,2026-07-01,2026-07-31,EUR,1000.00,INV-3,sent,,invoice,,2026-06-01,2026-06-30
        CM-1,CL-1,2026-07-20,2026-07-20,USD,-324.00,CM-1,sent,2026-07-20T09:00:00-04:00,credit_memo,I-1,2026-06-01,2026-06-30
    """,
    "invoice_lines.csv": f"""
        invoice_id,line_no,amount,kind,project_id,entry_ids
        I-1,1,10000.00,time,PR-1,{ids(*[f"E{n}" for n in range(1, 15)])}
        I-1,2,-500.00,discount,PR-1,{ids(*[f"E{n}" for n in range(1, 15)])}
        I-2,1,4200.00,time,PR-2,{ids("E30", "E31", "E32", "E33")}
        I-3,1,1000.00,time,PR-6,{ids("E25", "E26")}
        CM-1,1,-300.00,credit,PR-1,
    """,
}


def build_kpi_firm(con, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "kpi_firm", FILES)
    (folder / "time_entries.csv").write_text(entries_csv())
    report = import_canonical(con, folder)
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
