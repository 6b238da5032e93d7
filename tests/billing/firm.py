"""A small firm to bill: builders for the canonical files each billing test varies."""

from __future__ import annotations

from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

BASE = {
    "firm.yaml": "name: Kestrel Partners\nbase_currency: USD\n",
    "clients.csv": """
        client_id,name,currency,payment_terms_days,tax_rate,status
        CL-1,Acme Corp,USD,30,0.08,active
        CL-2,Globex,USD,30,0,active
        CL-3,Initech,EUR,30,0,active
        CL-0,Kestrel Partners,USD,,,internal
    """,
    "people.csv": """
        person_id,name,role,team
        P-1,Elena Ruiz,Engineer,Engineering
        P-2,Sam Lee,Designer,Design
        P-3,Ava Chen,Engineer,Engineering
    """,
    "projects.csv": """
        project_id,name,client_id,status,start_date,end_date
        PR-1,Storefront,CL-1,active,2026-01-01,
        PR-2,Portal,CL-2,active,2026-01-01,
        PR-3,Discovery,CL-1,completed,2026-01-01,2026-03-20
        PR-4,Build,CL-1,active,2026-01-01,
        PR-5,No contract yet,CL-2,active,2026-01-01,
        PR-9,Admin,CL-0,active,,
    """,
}

ENTRY_HEADER = (
    "entry_id,person_id,date,hours,project_id,billable,work_type,approved_at,invoice_id\n"
)
APPROVED = "2026-04-02T10:00:00+00:00"


def entry(
    entry_id,
    person,
    day,
    hours,
    project,
    *,
    billable="true",
    work_type="standard",
    approved=APPROVED,
    invoice="",
):
    return (
        f"{entry_id},{person},{day},{hours},{project},{billable},{work_type},{approved},{invoice}\n"
    )


def build(con, tmp_path: Path, contracts: str, rates: str = "", entries: str = "", **files) -> None:
    """Imports BASE plus the given contracts.yaml, rates.csv rows and time entry rows."""
    folder = write_folder(
        tmp_path / "firm", BASE | {k.replace("__", "."): v for k, v in files.items()}
    )
    (folder / "contracts.yaml").write_text(contracts)
    (folder / "rates.csv").write_text(
        "contract_id,rate,effective_from,effective_to,role,person_id,project_id\n" + rates
    )
    (folder / "time_entries.csv").write_text(ENTRY_HEADER + entries)
    report = import_canonical(con, folder)
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
