"""`python -m billing draft` as DESIGN.md fixes it: the JSON shape, money as strings, exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.billing.firm import build, entry
from tests.conftest import ROOT

TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    po: {number: PO-1, limit: "100000.00", alert_at: 0.8}
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
  - contract_id: C-2
    client_id: CL-2
    currency: USD
    workstreams:
      - project_id: PR-2
        billing: time_and_materials
"""


def run(*args, db):
    env = dict(os.environ, WAREHOUSE_DB=str(db))
    return subprocess.run(
        [sys.executable, "-m", "billing", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_draft_json_document(con, db_path, tmp_path):
    entries = (
        entry("T-1", "P-2", "2026-03-02", "2.5", "PR-1")  # 2.5 x 99.99 = 249.975 -> 249.98
        + entry("T-2", "P-2", "2026-03-02", "1", "PR-2")  # 1 x 120 = 120.00
        + entry("T-3", "P-2", "2026-03-03", "1", "PR-2", approved="")
    )
    build(con, tmp_path, TM, "C-1,99.99,2026-01-01,,,,\nC-2,120.00,2026-01-01,,,,\n", entries)
    con.close()
    result = run("draft", "--period", "2026-03", "--format", "json", db=db_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["period"] == "2026-03"
    first = doc["invoices"][0]
    assert set(first) == {
        "contract_id",
        "client_id",
        "currency",
        "po_number",
        "lines",
        "subtotal",
        "tax",
        "total",
    }
    assert (first["contract_id"], first["po_number"]) == ("C-1", "PO-1")
    line = first["lines"][0]
    assert set(line) == {
        "kind",
        "project_id",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "sources",
    }
    assert (line["kind"], line["amount"], line["sources"]) == ("time", "249.98", ["T-1"])
    # tax 8% of 249.98 = 19.9984 -> 20.00; total 269.98
    assert (first["subtotal"], first["tax"], first["total"]) == ("249.98", "20.00", "269.98")
    assert doc["exceptions"] == [
        {"kind": "unapproved_time", "ref": "T-3", "detail": doc["exceptions"][0]["detail"]}
    ]

    only = json.loads(
        run(
            "draft", "--period", "2026-03", "--client", "CL-2", "--format", "json", db=db_path
        ).stdout
    )
    assert [i["contract_id"] for i in only["invoices"]] == ["C-2"]

    out = tmp_path / "draft.json"
    assert (
        run(
            "draft", "--period", "2026-03", "--format", "json", "--out", str(out), db=db_path
        ).returncode
        == 0
    )
    assert json.loads(out.read_text()) == doc


def test_user_errors_and_bad_usage(db_path, tmp_path):
    missing = run("draft", "--period", "2026-03", db=tmp_path / "none.duckdb")
    assert missing.returncode == 1 and "no warehouse" in missing.stderr
    bad = run("draft", "--period", "March", db=db_path)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: period 'March' is not YYYY-MM"
    assert run("draft", db=db_path).returncode == 2
