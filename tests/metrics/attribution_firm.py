"""A firm whose invoices mostly name no entry ids, for realization, fixed-fee margin and
collections worked out by hand (tests/metrics/test_invoice_attribution.py). Imported as a
canonical folder with the real importer. Everything is in USD.

Rate cards: C-1 (Acme, T&M on PR-1) 100/h, but two overlapping person-level rows for P-3
(120 from 01-01 and 130 from 07-01, neither ended): ambiguous in October, so P-3's work there
has no single card rate. C-2 (Globex, T&M on PR-2) 200/h. C-3 (Initech,
fixed fee on PR-3) 150/h.

October 2026, PR-1 (no entry carries an invoice id; INV-1's lines name project and person):
  T-1 P-1 10-05 6 h, T-2 P-1 10-12 4 h (card 600 + 400), T-3 P-2 10-06 5 h (card 500),
  T-4 P-3 10-07 4 h (no single card rate), T-5 P-4 10-20 3 h (card 300; on no line: WIP).
  INV-1 issued 11-02, service period October: P-1 900.00, P-2 500.00, P-3 500.00 and an
  invoice-level discount of -190.00 (no project, no person, no entry ids).
October 2026, PR-2 (the entries carry time_entries.invoice_id = I-2; the lines no ids):
  U-1 P-1 10-08 5 h (card 1000), U-2 P-2 10-09 3 h (card 600).
  INV-2 issued 10-20: time 1600.00 on PR-2 and a write-down of -160.00 with no project.
  Paid 720.00 on 10-28 and 720.00 on 11-04 (after October).
August-September 2026, PR-3 fixed fee 6100.00, billed in advance by INV-3 (issued 08-01,
  service period 08-01..09-30, 61 days): F-1 P-1 08-10 10 h, F-2 P-2 09-03 10 h,
  F-3 P-1 09-20 20 h (card 1500 + 1500 + 3000 = 6000).
June-July 2026, PR-4 (Umbrella, C-4 card 100/h) fixed fee 1200.00 billed on completion by
  INV-4 (issued 07-31, service period July only): G-1 P-2 06-15 5 h, G-2 P-2 07-10 5 h.
Cost rates: P-1 50, P-2 40, P-3 45, P-4 30."""

from __future__ import annotations

from pathlib import Path

from etl.loader import import_canonical
from tests.conftest import write_folder

APPROVED = "2026-11-01T09:00:00-04:00"

FILES = {
    "firm.yaml": """
        name: Kestrel Partners
        base_currency: USD
        timezone: America/New_York
    """,
    "clients.csv": """
        client_id,name,currency,payment_terms_days,tax_rate,status
        CL-1,Acme Corp,USD,30,0,active
        CL-2,Globex,USD,30,0,active
        CL-3,Initech,USD,30,0,active
        CL-4,Umbrella,USD,30,0,active
    """,
    "people.csv": """
        person_id,name,role,team,cost_rate
        P-1,Elena Ruiz,Engineer,Engineering,50
        P-2,Sam Lee,Designer,Design,40
        P-3,Ava Chen,Analyst,Engineering,45
        P-4,Noor Ali,Engineer,Engineering,30
    """,
    "projects.csv": """
        project_id,name,client_id,status,start_date
        PR-1,Storefront,CL-1,active,2026-01-01
        PR-2,Portal,CL-2,active,2026-01-01
        PR-3,Audit,CL-3,completed,2026-08-01
        PR-4,Review,CL-4,completed,2026-06-01
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
            currency: USD
            workstreams:
              - {project_id: PR-3, billing: fixed_fee, fee: "6100.00"}
          - contract_id: C-4
            client_id: CL-4
            currency: USD
            workstreams:
              - {project_id: PR-4, billing: fixed_fee, fee: "1200.00"}
    """,
    "rates.csv": """
        contract_id,rate,effective_from,person_id
        C-1,100.00,2026-01-01,
        C-1,120.00,2026-01-01,P-3
        C-1,130.00,2026-07-01,P-3
        C-2,200.00,2026-01-01,
        C-3,150.00,2026-01-01,
        C-4,100.00,2026-01-01,
    """,
    "time_entries.csv": f"""
        entry_id,person_id,date,hours,project_id,billable,approved_at,invoice_id
        T-1,P-1,2026-10-05,6,PR-1,true,{APPROVED},
        T-2,P-1,2026-10-12,4,PR-1,true,{APPROVED},
        T-3,P-2,2026-10-06,5,PR-1,true,{APPROVED},
        T-4,P-3,2026-10-07,4,PR-1,true,{APPROVED},
        T-5,P-4,2026-10-20,3,PR-1,true,{APPROVED},
        U-1,P-1,2026-10-08,5,PR-2,true,{APPROVED},I-2
        U-2,P-2,2026-10-09,3,PR-2,true,{APPROVED},I-2
        F-1,P-1,2026-08-10,10,PR-3,true,{APPROVED},
        F-2,P-2,2026-09-03,10,PR-3,true,{APPROVED},
        F-3,P-1,2026-09-20,20,PR-3,true,{APPROVED},
        G-1,P-2,2026-06-15,5,PR-4,true,{APPROVED},
        G-2,P-2,2026-07-10,5,PR-4,true,{APPROVED},
    """,
    "invoices.csv": """
        invoice_id,number,client_id,issue_date,due_date,currency,total,status,kind,period_start,period_end
        I-1,INV-1,CL-1,2026-11-02,2026-12-02,USD,1710.00,sent,invoice,2026-10-01,2026-10-31
        I-2,INV-2,CL-2,2026-10-20,2026-11-19,USD,1440.00,sent,invoice,,
        I-3,INV-3,CL-3,2026-08-01,2026-08-31,USD,6100.00,sent,invoice,2026-08-01,2026-09-30
        I-4,INV-4,CL-4,2026-07-31,2026-08-30,USD,1200.00,sent,invoice,2026-07-01,2026-07-31
    """,
    "invoice_lines.csv": """
        invoice_id,line_no,amount,kind,project_id,person_id,quantity,unit_price,entry_ids
        I-1,1,900.00,time,PR-1,P-1,10,90.00,
        I-1,2,500.00,time,PR-1,P-2,5,100.00,
        I-1,3,500.00,time,PR-1,P-3,4,125.00,
        I-1,4,-190.00,discount,,,,,
        I-2,1,1600.00,time,PR-2,,8,200.00,
        I-2,2,-160.00,discount,,,,,
        I-3,1,6100.00,fixed_fee,PR-3,,,,
        I-4,1,1200.00,fixed_fee,PR-4,,,,
    """,
    "payments.csv": """
        payment_id,client_id,date,amount,currency,reference,invoice_id
        PAY-1,CL-2,2026-10-28,720.00,USD,INV-2 part 1,I-2
        PAY-2,CL-2,2026-11-04,720.00,USD,INV-2 part 2,I-2
        PAY-3,CL-3,2026-08-20,6100.00,USD,INV-3,I-3
    """,
}


def build_attribution_firm(con, tmp_path: Path) -> Path:
    folder = write_folder(tmp_path / "attribution_firm", FILES)
    report = import_canonical(con, folder)
    assert report.quarantined == 0, [s.examples for s in report.entities if s.quarantined]
    return folder
