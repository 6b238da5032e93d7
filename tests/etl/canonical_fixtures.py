"""A small valid canonical firm that bad-input tests break one file at a time."""

BASE_FILES = {
    "firm.yaml": """
        name: Kestrel Partners
        base_currency: USD
        timezone: America/New_York
        timesheet_deadline: mon 12:00
        holidays_country: US
    """,
    "clients.csv": """
        client_id,name,currency,payment_terms_days,tax_rate,status
        CL-1,Acme Corp,USD,30,0.08,active
        CL-2,Kestrel & Co,EUR,45,0,active
        CL-0,Kestrel Partners,USD,,,internal
    """,
    "people.csv": """
        person_id,name,role,team,weekly_capacity_hours,cost_rate
        P-1,Elena Ruiz,Engineer,Engineering,40,70.00
        P-2,Sam Lee,Designer,Design,32,60.50
    """,
    "projects.csv": """
        project_id,name,client_id,code,status,start_date,end_date
        PR-1,Storefront,CL-1,ACME,active,2026-01-01,2026-12-31
        PR-2,Discovery,CL-2,KES,completed,2026-01-01,2026-03-31
        PR-9,Admin,,,active,,
    """,
    "contracts.yaml": """
        contracts:
          - contract_id: C-1
            client_id: CL-1
            currency: USD
            po: {number: PO-4471, limit: "60000.00", alert_at: 0.8}
            workstreams:
              - project_id: PR-1
                billing: time_and_materials
                cap: {amount: "50000.00", scope: contract}
          - contract_id: C-2
            client_id: CL-2
            currency: EUR
            workstreams:
              - project_id: PR-2
                billing: fixed_fee
                fee: "25000.00"
    """,
    "rates.csv": """
        contract_id,rate,effective_from,role
        C-1,150.00,2026-01-01,
        C-1,180.00,2026-01-01,Engineer
    """,
    "time_entries.csv": """
        entry_id,person_id,date,hours,project_id,notes,billable,approved_at
        T-1,P-1,2026-03-02,1.5,PR-1,ACME-142 checkout fix,true,2026-03-09T10:00:00-05:00
        T-2,P-1,2026-03-02,6.25,PR-1,dev work on API,true,
        T-3,P-2,2026-03-03,2,,client call,,
    """,
}
