"""Data health warns about people an import left without a start date or a capacity of their
own (AppTest against real imports)."""

from __future__ import annotations

from pathlib import Path

from etl.export_import import import_export
from tests.billing.firm import build, entry
from tests.support.app_pages import open_page
from warehouse.db import connect

PAGE = "pages/data_health.py"
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
TM = """
contracts:
  - contract_id: C-1
    client_id: CL-1
    currency: USD
    workstreams:
      - project_id: PR-1
        billing: time_and_materials
"""


def small_firm(tmp_path: Path) -> Path:
    """tests/billing/firm.py's firm: its people.csv gives no start_date (capacity defaults to
    40 h). Elena logs 2 + 3 h, Sam 1.5 h, Ava nothing."""
    db = tmp_path / "warehouse.duckdb"
    con = connect(db)
    entries = (
        entry("T-1", "P-1", "2026-03-02", "2", "PR-1")
        + entry("T-2", "P-1", "2026-03-03", "3", "PR-1")
        + entry("T-3", "P-2", "2026-03-04", "1.5", "PR-1")
    )
    build(con, tmp_path, TM, "C-1,100.00,2026-01-01,,,,\n", entries)
    con.close()
    return db


def gaps(at):
    return next(df.value for df in at.dataframe if "missing" in df.value.columns)


def test_people_without_a_start_date_are_listed_most_hours_first(monkeypatch, tmp_path):
    at = open_page(monkeypatch, small_firm(tmp_path), PAGE)
    warning = next(w.value for w in at.warning if "no start date or no capacity" in w.value)
    assert warning.startswith("**3 people have")
    rows = gaps(at)
    assert list(rows["name"]) == ["Elena Ruiz", "Sam Lee", "Ava Chen"]
    assert list(rows["hours_logged"]) == [5.0, 1.5, 0.0]
    assert set(rows["missing"]) == {"no start date"}
    assert set(rows["source"]) == {"canonical"}


def test_a_tracker_import_that_creates_people_is_flagged(monkeypatch, tmp_path):
    db = small_firm(tmp_path)
    con = connect(db)
    before = {r[0] for r in con.execute("SELECT person_id FROM people").fetchall()}
    import_export(con, "harvest-csv", SAMPLES / "harvest_detailed_time.csv")
    created = con.execute(
        "SELECT name FROM people WHERE NOT list_contains(?, person_id)", [list(before)]
    ).fetchall()
    con.close()
    assert created  # the sample's people are new to this firm
    at = open_page(monkeypatch, db, PAGE)
    rows = gaps(at)
    flagged = rows[rows["source"] != "canonical"]
    assert sorted(flagged["name"]) == sorted(name for (name,) in created)
    assert set(flagged["missing"]) == {"no start date; capacity defaulted to 40.0 h/week"}


def test_the_demo_firm_has_no_warning(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, PAGE)
    assert not [w for w in at.warning if "no start date or no capacity" in w.value]
